package io.headroom.core.internal.shell;

import io.headroom.core.api.audit.AuditEntry;
import io.headroom.core.api.audit.AuditLog;
import io.headroom.core.internal.audit.Since;
import java.time.Instant;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "headroom", name = "audit", description = "Shows the audit log: who did what to the platform, newest first, from every node")
@Service
public class AuditCommand implements Action {
    @Reference
    AuditLog audit;

    @Option(name = "--actor", description = "Only this operator or token name")
    String actor;

    @Option(name = "--action", description = "Only entries whose action or target contains this")
    String action;

    @Option(name = "--since", description = "Only entries since this instant or age (30m, 2h, 7d)")
    String since;

    @Option(name = "-n", aliases = "--limit", description = "How many entries at most")
    int limit = 50;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        table.column("At");
        table.column("Node");
        table.column("Actor");
        table.column("Via");
        table.column("Action");
        table.column("Target").maxSize(80);
        table.column("Outcome").maxSize(40);
        for (AuditEntry e : audit.entries(actor, action, Since.parse(since, Instant.now()), limit)) {
            table.addRow().addContent(e.at(), e.node(), e.actor(), e.via(), e.action(), e.target(), e.outcome());
        }
        table.print(System.out);
        return null;
    }
}
