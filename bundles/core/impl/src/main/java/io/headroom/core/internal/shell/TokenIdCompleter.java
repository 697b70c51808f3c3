package io.headroom.core.internal.shell;

import io.headroom.core.api.auth.ApiTokens;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the ids of active tokens. */
@Service
public class TokenIdCompleter implements Completer {
    @Reference
    ApiTokens tokens;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(tokens.list().stream().filter(t -> t.revokedAt() == null).map(t -> t.id()).toList())
                .complete(session, commandLine, candidates);
    }
}
