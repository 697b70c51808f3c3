package io.headroom.heartbeat.api;

import java.util.List;

/** The fleet's desired state (bundle, version, source) and what every node runs. */
public record FleetState(List<Desired> desired, List<NodeRun> nodes) {
    /** A bundle the fleet runs at a version, from {@code sha256:<hex>} (an uploaded artifact) or a Maven location. */
    public record Desired(String unit, String version, String source, String updatedAt) {
    }
}
