package io.headroom.core.internal.shell;

import io.headroom.core.api.flags.FeatureFlags;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes existing flag names. */
@Service
public class FlagNameCompleter implements Completer {
    @Reference
    FeatureFlags flags;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(flags.list().stream().map(f -> f.name()).toList()).complete(session, commandLine, candidates);
    }
}
