package io.headroom.heartbeat.internal.release.shell;

import io.headroom.heartbeat.api.Release;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "release", name = "abort", description = "Rolls a release back on every node")
@Service
public class ReleaseAbortCommand extends ReleaseActionCommand {
    @Override
    Release act(String actor) {
        return releases.abort(id, actor);
    }
}
