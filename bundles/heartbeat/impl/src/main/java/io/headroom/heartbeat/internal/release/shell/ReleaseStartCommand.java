package io.headroom.heartbeat.internal.release.shell;

import io.headroom.heartbeat.api.Release;
import io.headroom.heartbeat.api.ReleaseRequest;
import io.headroom.heartbeat.api.Releases;
import io.headroom.heartbeat.internal.core.ReleasePlan;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;

@Command(scope = "release", name = "start", description = "Releases a bundle or a feature (feature:<name>) at a version across the fleet: canary first, then steps, each watched by the deploy guard")
@Service
public class ReleaseStartCommand implements Action {
    @Reference
    Releases releases;

    @Reference
    Session session;

    @Argument(index = 0, name = "unit", required = true, description = "Symbolic name of the bundle, or feature:<name>")
    String unit;

    @Argument(index = 1, name = "version", required = true, description = "Version to release (an uploaded artifact, or --source)")
    String version;

    @Option(name = "--canary", description = "Nodes that take the new version first")
    int canary;

    @Option(name = "--steps", description = "Node counts or shares of the fleet, e.g. '1,50%,100%' (in quotes: unquoted, the shell reads it as an expression)")
    String steps;

    @Option(name = "--watch", description = "How long each step is watched, e.g. 5m")
    String watch;

    @Option(name = "--source", description = "A Maven location every node can reach instead of an uploaded artifact; for a feature, its features repository (mvn:, file:, http:)")
    String source;

    @Override
    public Object execute() {
        long seconds = watch == null ? 0 : ReleasePlan.parseDuration(watch).toSeconds();
        Release r = releases.start(new ReleaseRequest(unit, version, source, canary, steps, seconds), Actor.of(session));
        System.out.println("release " + r.id() + ": " + r.unit() + " " + r.fromVersion() + " -> " + r.toVersion()
                + ", steps " + String.join(",", r.steps()) + ", watch " + r.watchSeconds() + " s");
        return null;
    }
}
