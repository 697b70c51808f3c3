package io.headroom.core.api.store;

/**
 * One server of the control schema: {@code name} is host:port (no credentials), {@code role} PRIMARY, REPLICA or
 * UNREACHABLE, {@code current} whether this node writes to it, and for a replica whether replication runs and how far
 * behind it is in seconds (null when unknown).
 */
public record ControlEndpoint(String name, String role, boolean current, boolean replicating, Long lagSeconds, String detail) {
}
