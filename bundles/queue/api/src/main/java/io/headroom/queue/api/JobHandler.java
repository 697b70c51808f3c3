package io.headroom.queue.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Runs jobs of one type. Register it as an OSGi service with the property {@value #TYPE}; a newly deployed bundle can
 * bring a new job type while the queue runs. Delivery is at least once: make handlers idempotent. Throwing fails
 * the attempt; it is retried with backoff, and dead-lettered after the last attempt.
 */
@ConsumerType
public interface JobHandler {
    /** Service property: the job type this handler runs. */
    String TYPE = "headroom.queue.type";

    void handle(Job job) throws Exception;
}
