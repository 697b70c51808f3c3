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

@Command(scope = "shard", name = "move-cancel", description = "Cancels a move (before cut-over) or routes it back (after cut-over, within the grace period); --cleanup ends the grace period instead")
@Service
public class MoveControlCommand implements Action {
    @Reference
    TenantMoves moves;

    @Option(name = "--cleanup", description = "Delete the source copy now instead (the move can no longer be reversed)")
    boolean cleanup;

    @Argument(index = 0, name = "id", required = true, description = "Move id")
    @Completion(MoveIdCompleter.class)
    long id;

    @Override
    public Object execute() {
        MoveStatus m = cleanup ? moves.cleanup(id) : moves.cancel(id);
        System.out.println((cleanup ? "cleanup" : "cancel") + " requested for move " + id + " (" + m.state() + ")");
        return null;
    }
}
