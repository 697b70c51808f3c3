package io.headroom.core.api.fleet;

import java.time.Instant;

/** One node of the fleet as recorded in the control schema. */
public record FleetNode(String id, String host, long pid, Instant startedAt, Instant lastSeen) {
}
