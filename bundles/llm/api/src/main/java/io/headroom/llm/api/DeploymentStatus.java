package io.headroom.llm.api;

/**
 * A deployment as operators see it (never its secret): {@code status} is healthy, cooling down or disabled; the
 * cooldown's reason and end (epoch ms, 0 when none); recent latency; requests in flight, in total, failed and in the
 * last minute against its per-minute limit (0: none).
 */
public record DeploymentStatus(String name, String provider, String model, String status, String cooldownReason,
                               long cooldownUntilMillis, double latencyMillis, int inFlight, long requests, long failures,
                               long requestsLastMinute, int requestsPerMinute) {
}
