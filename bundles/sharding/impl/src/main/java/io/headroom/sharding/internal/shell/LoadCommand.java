package io.headroom.sharding.internal.shell;

import io.headroom.sharding.api.ShardAdmin;
import io.headroom.sharding.api.TenantLoad;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "shard", name = "load", description = "Per-tenant load on each shard since this node started")
@Service
public class LoadCommand implements Action {
    @Reference
    ShardAdmin admin;

    @Override
    public Object execute() {
        ShellTable t = new ShellTable();
        for (String c : new String[] {"Shard", "Tenant", "Queries", "Errors", "Mean ms", "Max ms", "Refused", "In flight"}) {
            t.column(c);
        }
        for (TenantLoad l : admin.tenantLoad()) {
            t.addRow().addContent(l.shard(), l.tenant(), l.queries(), l.errors(), String.format(Locale.ROOT, "%.2f", l.meanLatencyMillis()),
                    l.maxLatencyMillis(), l.refused(), l.inFlight());
        }
        t.print(System.out);
        return null;
    }
}
