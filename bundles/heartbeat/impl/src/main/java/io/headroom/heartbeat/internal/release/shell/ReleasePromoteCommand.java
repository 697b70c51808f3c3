package io.headroom.heartbeat.internal.release.shell;

import io.headroom.heartbeat.api.Release;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "release", name = "promote", description = "Takes a release to the whole fleet now (still watched)")
@Service
public class ReleasePromoteCommand extends ReleaseActionCommand {
    @Override
    Release act(String actor) {
        return releases.promote(id, actor);
    }
}
