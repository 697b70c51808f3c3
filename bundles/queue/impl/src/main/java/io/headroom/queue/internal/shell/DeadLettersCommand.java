package io.headroom.queue.internal.shell;

import io.headroom.core.api.TenantId;
import io.headroom.queue.api.FairQueue;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "queue", name = "dead-letters", description = "Lists dead letters; --redrive puts them back on the queue")
@Service
public class DeadLettersCommand implements Action {
    @Reference
    FairQueue queue;

    @Option(name = "--redrive", description = "Redrive them (all, or --tenant's)")
    boolean redrive;

    @Option(name = "--tenant", aliases = "-t", description = "Only this tenant's")
    @Completion(TenantCompleter.class)
    String tenant;

    @Option(name = "--type", description = "List only this job type's")
    @Completion(JobTypeCompleter.class)
    String type;

    @Option(name = "--limit", aliases = "-n", description = "How many to list")
    int limit = 50;

    @Override
    public Object execute() {
        TenantId t = tenant == null ? null : TenantId.of(tenant);
        if (redrive) {
            if (type != null) {
                throw new IllegalArgumentException("--type only filters the list: a redrive takes all dead letters, or --tenant's");
            }
            System.out.println("redriven: " + queue.redrive(t));
            return null;
        }
        ShellTable table = new ShellTable();
        table.column("Job");
        table.column("Tenant");
        table.column("Type");
        table.column("Attempts");
        table.column("Failed");
        table.column("Error");
        queue.deadLetters(limit).stream().filter(d -> (t == null || d.job().tenant().equals(t))
                && (type == null || d.job().type().equals(type))).forEach(d -> table.addRow()
                .addContent(d.job().id(), d.job().tenant(), d.job().type(), d.job().attempt(), d.failedAt(), d.error()));
        table.print(System.out);
        return null;
    }
}
