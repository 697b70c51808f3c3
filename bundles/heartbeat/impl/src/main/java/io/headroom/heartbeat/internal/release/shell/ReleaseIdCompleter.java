package io.headroom.heartbeat.internal.release.shell;

import io.headroom.heartbeat.api.Releases;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the ids of the most recent releases, newest first. */
@Service
public class ReleaseIdCompleter implements Completer {
    private static final int RECENT = 100;

    @Reference
    Releases releases;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(releases.releases(RECENT).stream().map(r -> String.valueOf(r.id())).toList())
                .complete(session, commandLine, candidates);
    }
}
