package io.headroom.sharding.internal.shell;

import io.headroom.core.api.TenantId;
import io.headroom.sharding.api.ShardAdmin;
import io.headroom.sharding.api.TenantLocation;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "shard", name = "pin", description = "Pins a tenant with no rows yet to a shard (e.g. a dedicated one); --remove unpins")
@Service
public class PinCommand implements Action {
    @Reference
    ShardAdmin admin;

    @Option(name = "--remove", description = "Remove the tenant's pin instead")
    boolean remove;

    @Argument(index = 0, name = "tenant", required = true, description = "Tenant id")
    @Completion(TenantCompleter.class)
    String tenant;

    @Argument(index = 1, name = "shard", required = false, description = "Shard to pin to")
    @Completion(ShardNameCompleter.class)
    String shard;

    @Override
    public Object execute() {
        TenantLocation l;
        if (remove) {
            l = admin.unpin(TenantId.of(tenant));
        } else {
            if (shard == null) {
                throw new IllegalArgumentException("name the shard to pin " + tenant + " to");
            }
            l = admin.pin(TenantId.of(tenant), shard);
        }
        System.out.println("tenant " + l.tenant() + " routes to " + l.shard() + (l.pinned() ? " (pinned)" : "") + "; routing version " + l.routingVersion());
        return null;
    }
}
