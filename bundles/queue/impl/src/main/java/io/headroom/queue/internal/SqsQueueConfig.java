package io.headroom.queue.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The SQS backend's configuration ({@value SqsQueue#PID}). */
@ObjectClassDefinition(name = "Headroom fair queue (Amazon SQS backend)")
public @interface SqsQueueConfig {
    @AttributeDefinition(description = "Endpoint override (ElasticMQ, LocalStack); empty for AWS")
    String endpoint() default "";

    String region() default "us-east-1";

    @AttributeDefinition(description = "Empty: the standard AWS credential chain")
    String accessKeyId() default "";

    @AttributeDefinition(type = AttributeType.PASSWORD)
    String secretAccessKey() default "";

    @AttributeDefinition(description = "Main queue name; -overflow and -dlq queues are created beside it")
    String queueName() default "headroom-jobs";

    int workers() default 4;

    int overflowWorkers() default 1;

    int noisyBacklog() default 20;

    long overflowMaxWaitMillis() default 1000;

    @AttributeDefinition(description = "Receives before SQS moves a job to the dead-letter queue")
    int maxAttempts() default 5;

    long backoffMillis() default 1000;

    long maxBackoffMillis() default 60_000;

    @AttributeDefinition(description = "Visibility timeout, s; extended while a job waits on this node or runs")
    int visibilitySeconds() default 30;

    @AttributeDefinition(description = "Long-poll wait per receive, s")
    int waitSeconds() default 1;

    @AttributeDefinition(description = "Most jobs received ahead of the workers, per lane")
    int prefetch() default 40;

    @AttributeDefinition(description = "Receive loops per queue pair (handler types share one pair; each remote type has its own)")
    int receivers() default 4;

    long dedupeMinutes() default 60;

    @AttributeDefinition(description = "Jobs a tenant may have open (accepted and not finished) in the fleet; beyond it 429 + Retry-After")
    int maxBacklogPerTenant() default 100_000;

    @AttributeDefinition(description = "How often remote job types and tenant settings are reloaded from the control schema, ms")
    long refreshMillis() default 2000;

    @AttributeDefinition(description = "How often this node writes its queue load to the control schema and reads the fleet's"
            + " (the noisy-tenant decision, caps, backlog caps and remote types' concurrency use the fleet's sums), ms")
    long fleetFlushMillis() default 1000;

    @AttributeDefinition(description = "How long SQS's approximate message counts and its reachability are reused before they are"
            + " read again (one GetQueueAttributes per queue; the readiness probe and the metrics share them), ms")
    long countsMillis() default 5000;
}
