package io.headroom.core.api.signal;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Where capabilities report outcomes and load. Reporting never blocks and never fails the caller: events are
 * handed to whichever {@link SignalListener}s are installed, and dropped when there is none.
 */
@ProviderType
public interface Signals {
    void outcome(OutcomeEvent event);

    void load(LoadSample sample);
}
