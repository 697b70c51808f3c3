package io.headroom.sharding.internal.shell;

import io.headroom.sharding.api.TenantMoves;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes move and split ids. */
@Service
public class MoveIdCompleter implements Completer {
    @Reference
    TenantMoves moves;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(moves.list().stream().map(m -> String.valueOf(m.id())).toList()).complete(session, commandLine, candidates);
    }
}
