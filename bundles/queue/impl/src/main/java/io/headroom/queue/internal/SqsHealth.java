package io.headroom.queue.internal;

import io.headroom.core.api.health.Health;
import io.headroom.core.api.health.HealthCheck;
import io.headroom.queue.api.FairQueue;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;

/**
 * The queue's readiness on SQS: DOWN when SQS does not answer for the main queue (nothing can be submitted), DEGRADED
 * when it answers but not for some other queue of the backend (a remote type's, the overflow or dead-letter queue).
 * Exists only while the SQS backend is configured, like the backend itself; a backend that failed to start is DOWN
 * already through its component. The answer comes from the backend's last round of queue counts, shared with the
 * metrics, so it lags SQS by at most {@code countsMillis}.
 */
@Component(service = HealthCheck.class, configurationPid = SqsQueue.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = HealthCheck.CAPABILITY + "=queue")
public final class SqsHealth implements HealthCheck {
    private final SqsQueue queue;

    @Activate
    public SqsHealth(@Reference(target = "(backend=sqs)") FairQueue queue) {
        this.queue = (SqsQueue) queue;
    }

    @Override
    public Health check() {
        return queue.depths().health();
    }
}
