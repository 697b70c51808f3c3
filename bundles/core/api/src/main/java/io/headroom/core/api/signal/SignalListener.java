package io.headroom.core.api.signal;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Consumes signals (the heartbeat capability, a metrics exporter). Called on the reporting thread: keep it
 * cheap and non-blocking (count, enqueue), and do not throw.
 */
@ConsumerType
public interface SignalListener {
    default void onOutcome(OutcomeEvent event) {
    }

    default void onLoad(LoadSample sample) {
    }
}
