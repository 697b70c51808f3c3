package io.headroom.sharding.internal.shell;

import io.headroom.core.api.TenantId;
import io.headroom.sharding.api.MoveStatus;
import io.headroom.sharding.api.TenantMoves;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "shard", name = "move", description = "Moves a tenant's rows online to another shard (copy, binlog catch-up, verify, cut-over)")
@Service
public class MoveCommand implements Action {
    @Reference
    TenantMoves moves;

    @Option(name = "--wait", aliases = "-w", description = "Show progress until the move is cut over, cancelled or failed")
    boolean await;

    @Argument(index = 0, name = "tenant", required = true, description = "Tenant id")
    @Completion(TenantCompleter.class)
    String tenant;

    @Argument(index = 1, name = "target", required = true, description = "Target shard")
    @Completion(ShardNameCompleter.class)
    String target;

    @Override
    public Object execute() throws Exception {
        MoveStatus m = moves.move(TenantId.of(tenant), target);
        System.out.println("move " + m.id() + " started: " + tenant + " from " + m.source() + " to " + target);
        if (await) {
            MoveStatusCommand.follow(moves, m.id());
        }
        return null;
    }
}
