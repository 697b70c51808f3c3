package io.headroom.heartbeat.internal.release.shell;

import io.headroom.heartbeat.api.Release;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "release", name = "resume", description = "Resumes a paused release")
@Service
public class ReleaseResumeCommand extends ReleaseActionCommand {
    @Override
    Release act(String actor) {
        return releases.resume(id, actor);
    }
}
