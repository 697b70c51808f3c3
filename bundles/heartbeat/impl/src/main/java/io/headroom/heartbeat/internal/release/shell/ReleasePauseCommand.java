package io.headroom.heartbeat.internal.release.shell;

import io.headroom.heartbeat.api.Release;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "release", name = "pause", description = "Holds the current step (the guard still watches)")
@Service
public class ReleasePauseCommand extends ReleaseActionCommand {
    @Override
    Release act(String actor) {
        return releases.pause(id, actor);
    }
}
