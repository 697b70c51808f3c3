package io.headroom.sharding.internal.shell;

import io.headroom.sharding.api.ShardReplicas;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "shard", name = "failover", description = "Promotes the most advanced replica of a shard whose primary is dead, and fences the old primary")
@Service
public class FailoverCommand implements Action {
    @Reference
    ShardReplicas replicas;

    @Argument(index = 0, name = "shard", required = true, description = "Shard name")
    @Completion(ShardNameCompleter.class)
    String shard;

    @Override
    public Object execute() {
        SwitchoverCommand.print(replicas.failover(shard));
        return null;
    }
}
