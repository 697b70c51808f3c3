package io.headroom.sharding.internal.shell;

import io.headroom.sharding.api.ShardReplicas;
import io.headroom.sharding.api.SwitchoverStatus;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "shard", name = "switchover", description = "Promotes a replica of the shard with its writes held, not failed; the old primary follows it")
@Service
public class SwitchoverCommand implements Action {
    @Reference
    ShardReplicas replicas;

    @Argument(index = 0, name = "shard", required = true, description = "Shard name")
    @Completion(ShardNameCompleter.class)
    String shard;

    @Argument(index = 1, name = "replica", description = "JDBC URL of the replica to promote (default: the one with the least lag)")
    String replica;

    @Override
    public Object execute() {
        print(replicas.switchover(shard, replica));
        return null;
    }

    static void print(SwitchoverStatus s) {
        System.out.println(s.kind().toLowerCase(java.util.Locale.ROOT) + " " + s.id() + " of shard " + s.shard() + ": " + s.state()
                + ", statements held " + s.heldMillis() + " ms");
        System.out.println("  from " + s.fromUrl());
        System.out.println("  to   " + s.toUrl());
        if (s.detail() != null) {
            System.out.println("  " + s.detail());
        }
    }
}
