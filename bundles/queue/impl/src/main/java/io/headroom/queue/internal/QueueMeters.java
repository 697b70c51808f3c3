package io.headroom.queue.internal;

import io.headroom.core.api.metrics.Histogram;
import io.headroom.core.api.metrics.Metrics;
import io.headroom.core.api.metrics.TenantSamples;
import io.headroom.core.api.metrics.TenantTotals;
import io.headroom.core.api.metrics.TopTenants;
import io.headroom.queue.api.FairQueue;
import io.headroom.queue.api.TenantStats;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The queue's meters: read from each backend's tenant statistics when scraped, backlog per lane and jobs in flight for
 * the ten busiest tenants (the rest as {@code other}), and the running totals of completed, failed and dead-lettered
 * jobs per backend, dead-lettered jobs per tenant, on SQS SQS's own approximate counts of each queue; recorded as each
 * attempt ends, histograms of its dwell (per tenant, bounded by the core's top-tenant tracker) and processing time.
 */
@Component(immediate = true)
public final class QueueMeters {
    private static final int TENANTS = 10;
    /** Buckets for waits in a queue, in seconds: 10 ms to an hour (a backlog is drained in minutes, not milliseconds). */
    static final double[] WAIT_SECONDS = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600};
    private final Map<FairQueue, String> queues = new ConcurrentHashMap<>();
    private final Histogram dwell;
    private final Histogram processing;
    private final TopTenants top;

    @Activate
    public QueueMeters(@Reference Metrics metrics, @Reference TopTenants top) {
        TenantTotals overflowed = new TenantTotals(top);
        TenantTotals deadLettered = new TenantTotals(top);
        this.top = top;
        this.dwell = metrics.histogram("headroom_queue_dwell_seconds", "Time from a job's submission to the start of each"
                + " of its attempts, by backend and tenant (the busiest by name, the rest as other)",
                WAIT_SECONDS, "backend", "tenant");
        this.processing = metrics.histogram("headroom_queue_processing_seconds", "Time from an attempt's start (a local worker"
                + " picked it up or a remote worker leased it) to its end (done, failed or nacked), by backend", WAIT_SECONDS, "backend");
        metrics.gauge("headroom_queue_backlog", "Jobs waiting, by backend, lane (main or overflow) and tenant",
                List.of("backend", "lane", "tenant"), s -> each((backend, stats) -> {
                    TenantSamples.top(s, TENANTS, stats, TenantStats::tenant, TenantStats::backlog, backend, "main");
                    TenantSamples.top(s, TENANTS, stats, TenantStats::tenant, TenantStats::overflowBacklog, backend, "overflow");
                }));
        metrics.gauge("headroom_queue_in_flight", "Jobs being processed, by backend and tenant", List.of("backend", "tenant"),
                s -> each((backend, stats) -> TenantSamples.top(s, TENANTS, stats, TenantStats::tenant, TenantStats::inFlight, backend)));
        metrics.gauge("headroom_queue_noisy_tenants", "Tenants marked noisy (their jobs go to the overflow lane), by backend",
                List.of("backend"), s -> each((backend, stats) -> s.sample(stats.stream().filter(TenantStats::noisy).count(), backend)));
        metrics.counter("headroom_queue_overflowed_jobs", "Jobs this node put in the overflow lane since the backend started"
                + " (SQS: sent to an overflow queue at submission), by backend and tenant (the busiest by name, the rest as other)",
                List.of("backend", "tenant"), s -> queues.forEach((queue, backend) -> {
                    if (queue instanceof WorkerQueue w) {
                        overflowed.report(s, List.copyOf(w.tenants().overflowed().entrySet()), Map.Entry::getKey, Map.Entry::getValue, backend);
                    }
                }));
        metrics.gauge("headroom_queue_sqs_messages", "SQS's approximate message counts of each of the SQS backend's queues"
                + " (ApproximateNumberOfMessages, ...NotVisible, ...Delayed), by queue, lane (main, overflow, dead_letter) and state"
                + " (visible, in_flight, delayed); the same on every node, so aggregate with max; only the queues that answered in the last round",
                List.of("queue", "lane", "state"), s -> queues.keySet().forEach(queue -> {
                    if (queue instanceof SqsQueue sqs) {
                        for (SqsDepths.Depth d : sqs.depths().depths()) {
                            s.sample(d.visible(), d.queue(), d.lane(), "visible");
                            s.sample(d.inFlight(), d.queue(), d.lane(), "in_flight");
                            s.sample(d.delayed(), d.queue(), d.lane(), "delayed");
                        }
                    }
                }));
        metrics.counter("headroom_queue_dead_lettered_jobs", "Jobs dead-lettered since the backend started, by backend and tenant"
                + " (the busiest by name, the rest as other)", List.of("backend", "tenant"),
                s -> each((backend, stats) -> deadLettered.report(s, stats.stream().filter(t -> t.deadLettered() > 0).toList(),
                        TenantStats::tenant, TenantStats::deadLettered, backend)));
        metrics.counter("headroom_queue_jobs", "Jobs finished since the backend started, by backend and result"
                + " (completed, failed attempts, dead-lettered)", List.of("backend", "result"), s -> each((backend, stats) -> {
                    s.sample(sum(stats, TenantStats::completed), backend, "completed");
                    s.sample(sum(stats, TenantStats::failed), backend, "failed");
                    s.sample(sum(stats, TenantStats::deadLettered), backend, "dead_lettered");
                }));
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindQueue(FairQueue queue, Map<String, Object> properties) {
        String backend = String.valueOf(properties.getOrDefault("backend", "unknown"));
        queues.put(queue, backend);
        if (queue instanceof WorkerQueue w) {
            w.tenants().jobTimes((tenant, dwellMillis, runMillis) -> {
                dwell.observe(dwellMillis / 1000.0, backend, top.label(tenant, 1));
                processing.observe(runMillis / 1000.0, backend);
            });
        }
    }

    void unbindQueue(FairQueue queue) {
        if (queues.remove(queue) != null && queue instanceof WorkerQueue w) {
            w.tenants().jobTimes(null);
        }
    }

    @Deactivate
    void deactivate() {
        queues.keySet().forEach(this::unbindQueue);
    }

    private void each(java.util.function.BiConsumer<String, List<TenantStats>> report) {
        queues.forEach((queue, backend) -> report.accept(backend, queue.stats()));
    }

    private static double sum(List<TenantStats> stats, ToDoubleFunction<TenantStats> f) {
        return stats.stream().mapToDouble(f).sum();
    }
}
