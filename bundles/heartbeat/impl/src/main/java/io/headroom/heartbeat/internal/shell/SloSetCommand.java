package io.headroom.heartbeat.internal.shell;

import io.headroom.heartbeat.api.Heartbeat;
import io.headroom.heartbeat.api.Slo;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "heartbeat", name = "slo-set", description = "Creates or replaces a job's SLO")
@Service
public class SloSetCommand implements Action {
    @Reference
    Heartbeat heartbeat;

    @Option(name = "--latency", aliases = "-l", description = "Events slower than this many ms count as bad")
    Long latency;

    @Option(name = "--description", description = "What the job is for the customer")
    String description;

    @Argument(index = 0, name = "job", required = true, description = "Job name, e.g. conversation.create")
    @Completion(SloJobCompleter.class)
    String job;

    @Argument(index = 1, name = "target", required = true, description = "Share of good events, e.g. 0.999")
    double target;

    @Override
    public Object execute() {
        Slo slo = heartbeat.putSlo(new Slo(job, target, latency, description));
        System.out.println("SLO " + slo.job() + ": " + slo.target() + (slo.latencyThresholdMillis() == null ? "" : " within " + slo.latencyThresholdMillis() + " ms"));
        return null;
    }
}
