package io.headroom.sharding.internal.shell;

import io.headroom.sharding.internal.ShardMap;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the names of the shards this node serves. */
@Service
public class ShardNameCompleter implements Completer {
    @Reference
    ShardMap map;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(map.topology().shards().keySet().stream().sorted().toList()).complete(session, commandLine, candidates);
    }
}
