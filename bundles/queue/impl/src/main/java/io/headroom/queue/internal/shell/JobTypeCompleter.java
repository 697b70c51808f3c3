package io.headroom.queue.internal.shell;

import io.headroom.queue.api.FairQueue;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the job types that have a handler. */
@Service
public class JobTypeCompleter implements Completer {
    @Reference
    FairQueue queue;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(queue.types()).complete(session, commandLine, candidates);
    }
}
