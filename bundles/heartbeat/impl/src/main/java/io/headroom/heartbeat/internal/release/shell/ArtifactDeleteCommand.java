package io.headroom.heartbeat.internal.release.shell;

import io.headroom.heartbeat.api.Releases;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;

@Command(scope = "release", name = "artifact-delete", description = "Deletes an uploaded artifact that no active release and no desired state names")
@Service
public class ArtifactDeleteCommand implements Action {
    @Reference
    Releases releases;

    @Reference
    Session session;

    @Argument(index = 0, name = "sha256", required = true, description = "The artifact's SHA-256, as release:artifacts shows it")
    String sha256;

    @Override
    public Object execute() {
        if (!releases.deleteArtifact(sha256, Actor.of(session))) {
            throw new IllegalArgumentException("no artifact " + sha256);
        }
        System.out.println("artifact " + sha256 + " deleted");
        return null;
    }
}
