package io.headroom.sharding.internal.shell;

import io.headroom.sharding.api.ReplicaInfo;
import io.headroom.sharding.api.ShardReplicas;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "shard", name = "replica-add", description = "Registers a running GTID replica of a shard's primary (for reads and switchovers)")
@Service
public class ReplicaAddCommand implements Action {
    @Reference
    ShardReplicas replicas;

    @Argument(index = 0, name = "shard", required = true, description = "Shard name")
    @Completion(ShardNameCompleter.class)
    String shard;

    @Argument(index = 1, name = "url", required = true, description = "jdbc:mysql://host:port/database of the replica")
    String url;

    @Override
    public Object execute() {
        ReplicaInfo r = replicas.addReplica(shard, url);
        System.out.println("replica " + r.url() + " of shard " + shard + ": " + r.state() + (r.lagMillis() == null ? "" : ", lag " + r.lagMillis() + " ms"));
        return null;
    }
}
