package io.headroom.sharding.internal.shell;

import io.headroom.sharding.api.SchemaChanges;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the versions of recorded schema changes. */
@Service
public class SchemaVersionCompleter implements Completer {
    @Reference
    SchemaChanges schema;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(schema.changes().stream().map(s -> String.valueOf(s.version())).toList()).complete(session, commandLine, candidates);
    }
}
