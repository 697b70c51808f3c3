package io.headroom.heartbeat.internal.shell;

import io.headroom.heartbeat.api.Deploy;
import io.headroom.heartbeat.api.DeployGuard;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the ids of deploys being watched (the ones an operator can accept). */
@Service
public class DeployIdCompleter implements Completer {
    private static final int RECENT = 100;

    @Reference
    DeployGuard guard;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(guard.deploys(RECENT).stream().filter(d -> Deploy.WATCHING.equals(d.state()))
                .map(d -> String.valueOf(d.id())).toList()).complete(session, commandLine, candidates);
    }
}
