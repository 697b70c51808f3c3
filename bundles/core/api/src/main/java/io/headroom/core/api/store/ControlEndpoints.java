package io.headroom.core.api.store;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The control schema's database servers: a primary and replicas that can take over. Every node knows the list from its
 * configuration and writes to whichever server is the primary (writable, not replicating), so after a switchover each
 * node finds the new primary by itself. A switchover fences control writes on every live node (they are refused with
 * 503 and Retry-After meanwhile, reads keep serving from caches), waits until the replica has applied everything the
 * primary wrote, promotes it, and makes the old primary replicate from it.
 */
@ProviderType
public interface ControlEndpoints {

    /** Every configured server as this node sees it now (probed on the call). */
    List<ControlEndpoint> endpoints();

    /**
     * Switches the control schema to {@code target} (a replica's {@code name} as listed, or null for the first healthy
     * replica of the primary). Runs on this node and returns when every node writes to the new primary, or after
     * rolling back to the old one.
     *
     * @throws IllegalStateException (as a 409) when there is no such replica, it is not replicating from the primary,
     *         or another switchover runs
     */
    Switchover switchover(String target);

    /** Past switchovers, newest first. */
    List<Switchover> history(int limit);
}
