package io.headroom.queue.internal;

import io.headroom.core.api.metrics.Metrics;
import io.headroom.core.api.metrics.TenantSamples;
import io.headroom.queue.api.FairQueue;
import io.headroom.queue.api.TenantStats;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The queue's meters, read from each backend's tenant statistics when scraped: backlog per lane, jobs in flight and
 * dwell quantiles for the ten busiest tenants (the rest as {@code other}), and the running totals of completed, failed
 * and dead-lettered jobs per backend, dead-lettered jobs per tenant; on SQS, SQS's own approximate counts of each queue.
 */
@Component(immediate = true)
public final class QueueMeters {
    private static final int TENANTS = 10;
    private final Map<FairQueue, String> queues = new ConcurrentHashMap<>();

    @Activate
    public QueueMeters(@Reference Metrics metrics) {
        metrics.gauge("headroom_queue_backlog", "Jobs waiting, by backend, lane (main or overflow) and tenant",
                List.of("backend", "lane", "tenant"), s -> each((backend, stats) -> {
                    TenantSamples.top(s, TENANTS, stats, TenantStats::tenant, TenantStats::backlog, backend, "main");
                    TenantSamples.top(s, TENANTS, stats, TenantStats::tenant, TenantStats::overflowBacklog, backend, "overflow");
                }));
        metrics.gauge("headroom_queue_in_flight", "Jobs being processed, by backend and tenant", List.of("backend", "tenant"),
                s -> each((backend, stats) -> TenantSamples.top(s, TENANTS, stats, TenantStats::tenant, TenantStats::inFlight, backend)));
        metrics.gauge("headroom_queue_noisy_tenants", "Tenants marked noisy (their jobs go to the overflow lane), by backend",
                List.of("backend"), s -> each((backend, stats) -> s.sample(stats.stream().filter(TenantStats::noisy).count(), backend)));
        metrics.gauge("headroom_queue_dwell_seconds", "Time from submit to start over the recent window, by quantile (0.5,"
                + " 0.99), backend and tenant (the ten with the longest p99)", List.of("quantile", "backend", "tenant"),
                s -> each((backend, stats) -> {
                    List<TenantStats> worst = stats.stream().sorted((a, b) -> Long.compare(b.dwellP99Millis(), a.dwellP99Millis()))
                            .limit(TENANTS).toList();
                    for (TenantStats t : worst) {
                        s.sample(t.dwellP50Millis() / 1000.0, "0.5", backend, t.tenant());
                        s.sample(t.dwellP99Millis() / 1000.0, "0.99", backend, t.tenant());
                    }
                }));
        metrics.counter("headroom_queue_overflowed_jobs", "Jobs this node put in the overflow lane since the backend started"
                + " (SQS: sent to an overflow queue at submission), by backend and tenant (the ten with most)",
                List.of("backend", "tenant"), s -> queues.forEach((queue, backend) -> {
                    if (queue instanceof WorkerQueue w) {
                        TenantSamples.top(s, TENANTS, List.copyOf(w.tenants().overflowed().entrySet()), Map.Entry::getKey, Map.Entry::getValue, backend);
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
                + " (the ten with most, the rest as other)", List.of("backend", "tenant"),
                s -> each((backend, stats) -> TenantSamples.top(s, TENANTS, stats.stream().filter(t -> t.deadLettered() > 0).toList(),
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
        queues.put(queue, String.valueOf(properties.getOrDefault("backend", "unknown")));
    }

    void unbindQueue(FairQueue queue) {
        queues.remove(queue);
    }

    private void each(java.util.function.BiConsumer<String, List<TenantStats>> report) {
        queues.forEach((queue, backend) -> report.accept(backend, queue.stats()));
    }

    private static double sum(List<TenantStats> stats, ToDoubleFunction<TenantStats> f) {
        return stats.stream().mapToDouble(f).sum();
    }
}
