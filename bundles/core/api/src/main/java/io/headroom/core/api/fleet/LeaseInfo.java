package io.headroom.core.api.fleet;

import java.time.Instant;

/** A lease as recorded in the control schema. */
public record LeaseInfo(String name, String node, long epoch, Instant acquiredAt, Instant expiresAt, boolean expired) {
}
