package io.headroom.queue.internal.shell;

import io.headroom.queue.api.FairQueue;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "queue", name = "stats", description = "Per-tenant backlog, overflow, in-flight, limits and dwell time p50/p99")
@Service
public class StatsCommand implements Action {
    @Reference
    FairQueue queue;

    @Override
    public Object execute() {
        ShellTable t = new ShellTable();
        for (String c : new String[] {"Tenant", "Backlog", "Overflow", "In flight", "Weight", "Cap", "State", "Dwell p50 ms",
            "Dwell p99 ms", "Done", "Failed", "Dead"}) {
            t.column(c);
        }
        queue.stats().forEach(s -> t.addRow().addContent(s.tenant(), s.backlog(), s.overflowBacklog(), s.inFlight(), s.weight(),
                s.cap() == 0 ? "-" : s.cap(), s.paused() ? "paused" : s.noisy() ? "noisy" : "ok", s.dwellP50Millis(),
                s.dwellP99Millis(), s.completed(), s.failed(), s.deadLettered()));
        t.print(System.out);
        System.out.println("Job types (handlers and remote types): " + queue.types());
        return null;
    }
}
