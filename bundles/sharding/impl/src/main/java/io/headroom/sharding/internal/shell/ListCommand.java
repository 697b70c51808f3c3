package io.headroom.sharding.internal.shell;

import io.headroom.sharding.api.ShardAdmin;
import io.headroom.sharding.api.ShardInfo;
import io.headroom.sharding.internal.core.LatencyText;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "shard", name = "list", description = "Shards with key ranges, tenant counts, health, load and statement latency (p50, p99 since this node started)")
@Service
public class ListCommand implements Action {
    @Reference
    ShardAdmin admin;

    @Override
    public Object execute() {
        ShellTable t = new ShellTable();
        for (String c : new String[] {"Shard", "Range", "Tenants", "Pinned", "Health", "Queries", "Errors", "p50", "p99", "Active", "Pool", "URL"}) {
            t.column(c);
        }
        for (ShardInfo s : admin.shards()) {
            t.addRow().addContent(s.name(), s.keyRange() == null ? "(dedicated)" : s.keyRange(), s.tenants(), s.pinnedTenants(),
                    s.health(), s.queries(), s.errors(), LatencyText.millis(s.p50LatencyMillis()), LatencyText.millis(s.p99LatencyMillis()),
                    s.activeConnections(), s.poolSize(), s.url());
            for (io.headroom.sharding.api.ReplicaInfo r : s.replicas()) {
                t.addRow().addContent("  replica", "", "", "", r.state(), "", "", r.lagMillis() == null ? "lag ?" : "lag " + r.lagMillis() + " ms",
                        "", "", "", r.url());
            }
        }
        t.print(System.out);
        System.out.println("routing version " + admin.routingVersion() + "; sharded tables: " + String.join(", ", admin.shardedTables()));
        return null;
    }
}
