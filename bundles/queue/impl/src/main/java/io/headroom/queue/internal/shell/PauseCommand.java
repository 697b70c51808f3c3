package io.headroom.queue.internal.shell;

import io.headroom.core.api.TenantId;
import io.headroom.queue.api.FairQueue;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "queue", name = "pause", description = "Stops dispatching a tenant's jobs (they keep queuing); --resume starts again")
@Service
public class PauseCommand implements Action {
    @Reference
    FairQueue queue;

    @Option(name = "--resume", aliases = "-r", description = "Resume instead")
    boolean resume;

    @Argument(index = 0, name = "tenant", required = true, description = "Tenant id")
    @Completion(TenantCompleter.class)
    String tenant;

    @Override
    public Object execute() {
        if (resume) {
            queue.resume(TenantId.of(tenant));
        } else {
            queue.pause(TenantId.of(tenant));
        }
        System.out.println(tenant + (resume ? " resumed" : " paused"));
        return null;
    }
}
