package io.headroom.heartbeat.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Where alerts go, besides the log, the webhook and EventAdmin that the heartbeat capability brings. Called on the
 * evaluation thread when an alert fires or resolves: hand the alert off, do not block.
 */
@ConsumerType
public interface AlertSink {
    void fired(Alert alert);

    void resolved(Alert alert);
}
