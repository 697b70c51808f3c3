package io.headroom.core.api.health;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A capability's readiness: whether the real systems it needs answer (Elasticsearch, SQS, its LLM deployments, its
 * shards). Registered as a service with {@value #CAPABILITY} naming the capability. The core calls {@link #check()}
 * on its own schedule, about once a second, never per request, and shows the last answer; so a check may take a
 * network round trip, but should time out within a second or two.
 */
@ConsumerType
public interface HealthCheck {
    /** Service property: the capability this check belongs to (e.g. {@code search}). */
    String CAPABILITY = "headroom.health.capability";

    Health check();
}
