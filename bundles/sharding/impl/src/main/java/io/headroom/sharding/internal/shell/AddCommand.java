package io.headroom.sharding.internal.shell;

import io.headroom.sharding.api.ShardAdmin;
import io.headroom.sharding.api.ShardInfo;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "shard", name = "add", description = "Adds a shard (a MySQL database) serving a key range, or a dedicated shard for pinned tenants")
@Service
public class AddCommand implements Action {
    @Reference
    ShardAdmin admin;

    @Option(name = "--range", aliases = "-r", description = "Key range in Vitess notation (-40, 40-80, 80-); omit for a dedicated shard")
    String range;

    @Argument(index = 0, name = "name", required = true, description = "Shard name")
    String name;

    @Argument(index = 1, name = "url", required = true, description = "jdbc:mysql://host:port/database (credentials come from the sharding config)")
    String url;

    @Override
    public Object execute() {
        ShardInfo s = admin.addShard(name, url, range);
        System.out.println("added shard " + s.name() + (s.keyRange() == null ? " (dedicated)" : " serving " + s.keyRange())
                + "; routing version " + admin.routingVersion());
        return null;
    }
}
