package io.headroom.core.internal.shell;

import io.headroom.core.api.load.TenantLimit;
import io.headroom.core.api.load.TenantLimits;
import java.util.ArrayList;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

/** The per-tenant limits in force, fleet-wide. */
@Command(scope = "headroom", name = "limits", description = "Lists the per-tenant limits in force (queue cap, LLM rpm, shard share, REST rps)")
@Service
public class LimitsCommand implements Action {
    @Reference
    TenantLimits limits;

    @Override
    public Object execute() {
        print(limits.list());
        return null;
    }

    static void print(List<TenantLimit> list) {
        ShellTable table = new ShellTable();
        table.column("Tenant");
        table.column("Queue cap").alignRight();
        table.column("LLM rpm").alignRight();
        table.column("Shard share").alignRight();
        table.column("REST rps").alignRight();
        table.column("Expires");
        list.forEach(l -> table.addRow().addContent(l.tenant().value(), or(l.queueCap()), or(l.llmRpm()), or(l.shardShare()),
                or(l.restRps()), l.expiresAt() == null ? "never" : l.expiresAt().toString()));
        table.print(System.out);
    }

    private static Object or(Object v) {
        return v == null ? "-" : v;
    }

    static String describe(TenantLimit l) {
        List<String> parts = new ArrayList<>();
        if (l.queueCap() != null) {
            parts.add("queue cap " + l.queueCap());
        }
        if (l.llmRpm() != null) {
            parts.add("LLM " + l.llmRpm() + " rpm");
        }
        if (l.shardShare() != null) {
            parts.add("shard share " + l.shardShare());
        }
        if (l.restRps() != null) {
            parts.add("REST " + l.restRps() + " rps");
        }
        return String.join(", ", parts) + (l.expiresAt() == null ? "" : ", until " + l.expiresAt());
    }
}
