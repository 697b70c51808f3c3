package io.headroom.heartbeat.internal.release.shell;

import io.headroom.heartbeat.api.Artifact;
import io.headroom.heartbeat.api.Releases;
import io.headroom.heartbeat.internal.release.ReleaseService;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "release", name = "upload", description = "Uploads a bundle jar from this node's disk for releases, checked against its SHA-256")
@Service
public class UploadCommand implements Action {
    @Reference
    Releases releases;

    @Argument(index = 0, name = "jar", required = true, description = "Path of the bundle jar on this node")
    String jar;

    @Argument(index = 1, name = "sha256", required = true, description = "The jar's SHA-256 (sha256sum), checked before anything is stored")
    String sha256;

    @Override
    public Object execute() throws Exception {
        Path p = Path.of(jar);
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("no file " + jar);
        }
        if (Files.size(p) > ReleaseService.MAX_ARTIFACT_BYTES) {
            throw new IllegalArgumentException(jar + " is larger than " + ReleaseService.MAX_ARTIFACT_BYTES + " bytes");
        }
        Artifact a = releases.upload(Files.readAllBytes(p), sha256);
        System.out.println("artifact " + a.sha256() + ": " + a.unit() + " " + a.version() + ", " + a.size() + " bytes");
        return null;
    }
}
