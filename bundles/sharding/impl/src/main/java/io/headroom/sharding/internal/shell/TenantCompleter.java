package io.headroom.sharding.internal.shell;

import io.headroom.sharding.internal.ShardMap;
import java.sql.SQLException;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the tenants the shard map knows (those that ran a statement or were pinned), at most 500 per prefix. */
@Service
public class TenantCompleter implements Completer {
    static final int MAX = 500;

    @Reference
    ShardMap map;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        String arg = commandLine.getCursorArgument();
        String prefix = arg == null ? "" : arg.substring(0, Math.min(arg.length(), commandLine.getArgumentPosition()));
        List<String> tenants;
        try {
            tenants = map.store().tenants().stream().filter(t -> t.startsWith(prefix)).sorted().limit(MAX).toList();
        } catch (SQLException e) {
            return -1; // the control schema is unreachable: nothing to offer
        }
        return new StringsCompleter(tenants).complete(session, commandLine, candidates);
    }
}
