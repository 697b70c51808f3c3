package io.headroom.queue.internal.shell;

import io.headroom.queue.api.FairQueue;
import io.headroom.queue.api.RemoteType;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "queue", name = "types", description = "Job types: remote ones (pull, push) with their settings, and those with a handler")
@Service
public class TypesCommand implements Action {
    @Reference
    FairQueue queue;

    @Override
    public Object execute() {
        ShellTable t = new ShellTable();
        for (String c : new String[] {"Type", "Delivery", "URL", "Max attempts", "Backoff ms", "Visibility s", "Timeout ms", "Concurrency", "Secret"}) {
            t.column(c);
        }
        for (RemoteType r : queue.remoteTypes()) {
            t.addRow().addContent(r.name(), r.delivery().name().toLowerCase(), r.url() == null ? "-" : r.url(), r.maxAttempts(),
                    r.backoffMillis(), r.visibilitySeconds(), r.timeoutMillis(), r.concurrency(), r.hasSecret() ? "set" : "-");
        }
        for (String name : queue.types()) {
            if (queue.remoteType(name).isEmpty()) {
                t.addRow().addContent(name, "handler", "-", "-", "-", "-", "-", "-", "-");
            }
        }
        t.print(System.out);
        return null;
    }
}
