package io.headroom.queue.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.fleet.Fleet;
import io.headroom.core.api.load.TenantLimits;
import io.headroom.core.api.signal.Signals;
import io.headroom.core.api.store.ControlStore;
import io.headroom.queue.api.DeadLetter;
import io.headroom.queue.api.FairQueue;
import io.headroom.queue.api.Job;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process backend: jobs wait in this node's memory and run on its workers. Delivery is at least once while
 * the node runs (a failed attempt is retried with exponential backoff, then dead-lettered); jobs still queued are
 * lost if the node dies, so use it for work that can be resubmitted, and the SQS backend for work that must survive.
 */
@Component(service = FairQueue.class, configurationPid = InProcessQueue.PID, property = "backend=in-process")
@Designate(ocd = InProcessQueue.Config.class)
public final class InProcessQueue extends WorkerQueue {
    public static final String PID = "io.headroom.queue";
    private static final Logger LOG = LoggerFactory.getLogger(InProcessQueue.class);

    @ObjectClassDefinition(name = "Headroom fair queue (in-process backend)")
    public @interface Config {
        @AttributeDefinition(description = "Worker threads on this node")
        int workers() default 4;

        @AttributeDefinition(description = "Workers the overflow lane may take from a busy main lane when it has waited overflowMaxWaitMillis")
        int overflowWorkers() default 1;

        @AttributeDefinition(description = "A tenant with at least this many jobs waiting, and more than half of all, is noisy")
        int noisyBacklog() default 20;

        @AttributeDefinition(description = "The overflow lane gets a turn after waiting this long with the main lane busy, ms")
        long overflowMaxWaitMillis() default 1000;

        @AttributeDefinition(description = "Attempts before a job is dead-lettered")
        int maxAttempts() default 5;

        @AttributeDefinition(description = "Backoff before the second attempt, ms; doubles each attempt, with jitter")
        long backoffMillis() default 1000;

        long maxBackoffMillis() default 60_000;

        @AttributeDefinition(description = "How long an idempotency key is remembered, minutes")
        long dedupeMinutes() default 60;

        @AttributeDefinition(description = "Dead letters kept (oldest dropped first)")
        int maxDeadLetters() default 10_000;

        @AttributeDefinition(description = "Jobs a tenant may have open (waiting, delayed or running) in the fleet (on the live nodes); beyond it 429 + Retry-After")
        int maxBacklogPerTenant() default 100_000;

        @AttributeDefinition(description = "How often remote job types and tenant settings are reloaded from the control schema, ms")
        long refreshMillis() default 2000;

        @AttributeDefinition(description = "How often this node writes its queue load to the control schema and reads the fleet's"
                + " (the noisy-tenant decision, caps and backlog caps use the fleet's sums), ms")
        long fleetFlushMillis() default 1000;
    }

    private final Config config;
    private final Deque<DeadLetter> deadLetters = new ArrayDeque<>();

    @Override
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindTenantLimits(TenantLimits limits) {
        super.bindTenantLimits(limits);
    }

    @Override
    void unbindTenantLimits(TenantLimits limits) {
        super.unbindTenantLimits(limits);
    }

    @Activate
    public InProcessQueue(@Reference ControlStore store, @Reference Signals signals, @Reference Fleet fleet, Config config)
            throws SQLException {
        super(store, signals, new Tuning("in-process", config.workers(), config.overflowWorkers(), config.noisyBacklog(),
                config.overflowMaxWaitMillis(), config.dedupeMinutes(), config.maxAttempts(), config.backoffMillis(),
                config.maxBackoffMillis(), config.maxBacklogPerTenant(), config.refreshMillis(), config.fleetFlushMillis()),
                fleet);
        this.config = config;
        startWorkers();
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        stopWorkers();
        int left = scheduler.backlog();
        if (left > 0) {
            LOG.warn("in-process queue stopped with {} jobs still queued; they are not kept", left);
        }
    }

    @Override
    protected void accept(List<Pending> jobs) {
        long now = System.currentTimeMillis();
        for (Pending p : jobs) {
            if (p.notBeforeMillis() > now) {
                timers.schedule(() -> dispatch(p.job()), p.notBeforeMillis() - now, TimeUnit.MILLISECONDS);
            } else {
                dispatch(p.job());
            }
        }
    }

    @Override
    protected void succeeded(Job job) {
        // nothing kept
    }

    @Override
    protected void retry(Job job, long delayMillis) {
        timers.schedule(() -> dispatch(job.nextAttempt()), delayMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void deadLetter(Job job, String error) {
        synchronized (deadLetters) {
            deadLetters.addLast(new DeadLetter(job, error, Instant.now().toString()));
            while (deadLetters.size() > config.maxDeadLetters()) {
                deadLetters.pollFirst();
            }
        }
    }

    @Override
    public List<DeadLetter> deadLetters(int limit) {
        synchronized (deadLetters) {
            List<DeadLetter> out = new ArrayList<>(deadLetters);
            return out.subList(Math.max(0, out.size() - limit), out.size());
        }
    }

    @Override
    public int redrive(TenantId tenant) {
        List<Job> again = new ArrayList<>();
        synchronized (deadLetters) {
            for (Iterator<DeadLetter> it = deadLetters.iterator(); it.hasNext(); ) {
                DeadLetter d = it.next();
                if (tenant == null || d.job().tenant().equals(tenant)) {
                    it.remove();
                    Job j = d.job();
                    again.add(new Job(j.id(), j.tenant(), j.type(), j.payload(), j.priority(), j.idempotencyKey(), 1, j.enqueuedAt()));
                }
            }
        }
        again.forEach(this::dispatch);
        return again.size();
    }
}
