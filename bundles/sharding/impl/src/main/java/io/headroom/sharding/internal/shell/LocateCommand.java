package io.headroom.sharding.internal.shell;

import io.headroom.core.api.TenantId;
import io.headroom.sharding.api.ShardRouter;
import io.headroom.sharding.api.TenantLocation;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "shard", name = "locate", description = "Where a tenant's rows live: keyspace id, shard, range, pinned or not")
@Service
public class LocateCommand implements Action {
    @Reference
    ShardRouter router;

    @Argument(index = 0, name = "tenant", required = true, description = "Tenant id")
    @Completion(TenantCompleter.class)
    String tenant;

    @Override
    public Object execute() {
        TenantLocation l = router.locate(TenantId.of(tenant));
        System.out.println("tenant " + l.tenant() + "  keyspace id " + l.keyspaceId() + "  shard " + (l.shard() == null ? "(none serves it)" : l.shard())
                + (l.pinned() ? "  (pinned)" : "  range " + l.keyRange()) + "  routing version " + l.routingVersion());
        return null;
    }
}
