package io.headroom.example.internal.shell;

import io.headroom.example.api.Greetings;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the tenants that have set a greeting. */
@Service
public class TenantCompleter implements Completer {
    private static final int SHOWN = 1000;

    @Reference
    Greetings greetings;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(greetings.list(SHOWN).stream().map(g -> g.tenant().value()).toList())
                .complete(session, commandLine, candidates);
    }
}
