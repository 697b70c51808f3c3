package io.headroom.heartbeat.internal.release.shell;

import io.headroom.heartbeat.api.Release;
import io.headroom.heartbeat.api.Releases;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.console.Session;

/** An operator action on one release: pause, resume, promote or abort. */
abstract class ReleaseActionCommand implements Action {
    @Reference
    Releases releases;

    @Reference
    Session session;

    @Argument(index = 0, name = "id", required = true, description = "Release id, as release:status shows it")
    @Completion(ReleaseIdCompleter.class)
    long id;

    abstract Release act(String actor);

    @Override
    public Object execute() {
        Release r = act(Actor.of(session));
        System.out.println("release " + r.id() + " " + r.state() + ": " + r.reason());
        return null;
    }
}
