package io.headroom.core.api.load;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told of tenant spikes (EventAdmin, a pager, a capability that reacts). Called off the request threads, once per
 * spike start and end in the fleet (on the node that evaluates spikes); do not block for long and do not throw.
 */
@ConsumerType
public interface SpikeListener {
    void spike(LoadSpike spike);
}
