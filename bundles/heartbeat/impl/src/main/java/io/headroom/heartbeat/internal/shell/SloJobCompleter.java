package io.headroom.heartbeat.internal.shell;

import io.headroom.heartbeat.api.Heartbeat;
import io.headroom.heartbeat.api.JobHealth;
import io.headroom.heartbeat.api.Slo;
import java.util.List;
import java.util.TreeSet;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes job names an SLO can be about: jobs with an SLO, and jobs with events. */
@Service
public class SloJobCompleter implements Completer {
    @Reference
    Heartbeat heartbeat;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        TreeSet<String> jobs = new TreeSet<>();
        heartbeat.slos().stream().map(Slo::job).forEach(jobs::add);
        heartbeat.platform().stream().map(JobHealth::job).forEach(jobs::add);
        return new StringsCompleter(jobs).complete(session, commandLine, candidates);
    }
}
