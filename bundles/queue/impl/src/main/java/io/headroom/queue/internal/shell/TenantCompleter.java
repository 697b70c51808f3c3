package io.headroom.queue.internal.shell;

import io.headroom.queue.api.FairQueue;
import io.headroom.queue.api.TenantStats;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the tenants the queue knows (with work, limits or a pause). */
@Service
public class TenantCompleter implements Completer {
    @Reference
    FairQueue queue;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(queue.stats().stream().map(TenantStats::tenant).toList()).complete(session, commandLine, candidates);
    }
}
