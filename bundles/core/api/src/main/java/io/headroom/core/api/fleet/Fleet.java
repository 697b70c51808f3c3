package io.headroom.core.api.fleet;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The nodes of one platform: every node that points at the same control schema records itself there and refreshes
 * its record every second or so; a node whose record is older than the liveness bound is considered gone.
 */
@ProviderType
public interface Fleet {

    /**
     * This node's id: stable across restarts of the node (kept in its data directory) and unique in the fleet.
     * Per-node records in the control schema (counters, acknowledgements) are keyed by it.
     */
    String nodeId();

    /** The nodes seen alive within the liveness bound, this one included, ordered by id. */
    List<FleetNode> liveNodes();
}
