package io.headroom.llm.internal.shell;

import io.headroom.llm.api.LlmRouter;
import io.headroom.llm.api.Route;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes route names. */
@Service
public class RouteCompleter implements Completer {
    @Reference
    LlmRouter router;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(router.routes().stream().map(Route::name).toList()).complete(session, commandLine, candidates);
    }
}
