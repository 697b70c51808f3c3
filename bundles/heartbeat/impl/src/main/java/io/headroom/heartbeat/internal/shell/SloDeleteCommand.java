package io.headroom.heartbeat.internal.shell;

import io.headroom.heartbeat.api.Heartbeat;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "heartbeat", name = "slo-delete", description = "Deletes a job's SLO (its events are still counted, and never alert)")
@Service
public class SloDeleteCommand implements Action {
    @Reference
    Heartbeat heartbeat;

    @Argument(index = 0, name = "job", required = true, description = "Job name")
    @Completion(SloJobCompleter.class)
    String job;

    @Override
    public Object execute() {
        if (!heartbeat.deleteSlo(job)) {
            throw new IllegalArgumentException("no SLO for job " + job);
        }
        System.out.println("deleted the SLO of " + job);
        return null;
    }
}
