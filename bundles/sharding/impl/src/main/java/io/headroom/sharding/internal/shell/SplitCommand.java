package io.headroom.sharding.internal.shell;

import io.headroom.sharding.api.MoveStatus;
import io.headroom.sharding.api.TenantMoves;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "shard", name = "split", description = "Splits a shard's key range in two halves onto two new (dedicated, empty) shards, online")
@Service
public class SplitCommand implements Action {
    @Reference
    TenantMoves moves;

    @Option(name = "--wait", aliases = "-w", description = "Show progress until the split is cut over, cancelled or failed")
    boolean await;

    @Argument(index = 0, name = "shard", required = true, description = "Shard to split")
    @Completion(ShardNameCompleter.class)
    String shard;

    @Argument(index = 1, name = "low", required = true, description = "Shard that takes the lower half")
    @Completion(ShardNameCompleter.class)
    String low;

    @Argument(index = 2, name = "high", required = true, description = "Shard that takes the upper half")
    @Completion(ShardNameCompleter.class)
    String high;

    @Override
    public Object execute() throws Exception {
        MoveStatus m = moves.split(shard, low, high);
        System.out.println("split " + m.id() + " started: " + shard + " -> " + low + ", " + high);
        if (await) {
            MoveStatusCommand.follow(moves, m.id());
        }
        return null;
    }
}
