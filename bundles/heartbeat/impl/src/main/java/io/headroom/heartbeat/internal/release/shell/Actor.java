package io.headroom.heartbeat.internal.release.shell;

import org.apache.karaf.shell.api.console.Session;

/** The operator behind a shell session, for the release's record. */
final class Actor {
    private Actor() {
    }

    static String of(Session session) {
        Object user = session == null ? null : session.get("USER");
        return user == null ? "shell" : user.toString();
    }
}
