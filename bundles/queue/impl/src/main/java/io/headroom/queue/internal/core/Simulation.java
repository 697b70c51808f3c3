package io.headroom.queue.internal.core;

import io.headroom.core.api.TenantId;
import io.headroom.queue.api.Job;
import io.headroom.queue.api.Priority;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * A discrete-event simulation of workers draining a queue, on virtual time, to compare dispatch policies on the
 * same arrivals: fair (this package's {@link FairScheduler}) or FIFO. Used by the scheduler tests and benchmarks.
 */
public final class Simulation {
    /** A job arriving at {@code atNanos}. */
    public record Arrival(long atNanos, TenantId tenant, String type) {
    }

    /** What happened: per tenant, the dwell time (arrival to start) of each of its jobs; and when the last job ended. */
    public record Result(Map<TenantId, List<Long>> dwellNanos, long makespanNanos, int jobs) {
        public long percentile(TenantId tenant, double p) {
            return percentileOf(dwellNanos.getOrDefault(tenant, List.of()), p);
        }

        /** The percentile over all jobs of the given tenants. */
        public long percentile(List<TenantId> tenants, double p) {
            List<Long> all = new ArrayList<>();
            tenants.forEach(t -> all.addAll(dwellNanos.getOrDefault(t, List.of())));
            return percentileOf(all, p);
        }

        private static long percentileOf(List<Long> values, double p) {
            if (values.isEmpty()) {
                return 0;
            }
            List<Long> sorted = new ArrayList<>(values);
            sorted.sort(Long::compare);
            return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
        }
    }

    private Simulation() {
    }

    /** Runs {@code arrivals} (sorted by time) through {@code workers} workers, each job taking {@code jobNanos}. */
    public static Result run(List<Arrival> arrivals, int workers, long jobNanos, boolean fair) {
        long[] now = {0};
        FairScheduler scheduler = new FairScheduler(FairScheduler.Settings.defaults(workers), () -> now[0]);
        ArrayDeque<Job> fifo = new ArrayDeque<>();
        Map<String, Long> arrivedAt = new HashMap<>();
        Map<TenantId, List<Long>> dwell = new HashMap<>();
        PriorityQueue<long[]> finishing = new PriorityQueue<>(Comparator.comparingLong(a -> a[0])); // {time, job index}
        List<Job> running = new ArrayList<>();
        int idle = workers;
        int next = 0;
        int id = 0;
        long makespan = 0;
        while (next < arrivals.size() || !finishing.isEmpty() || (fair ? scheduler.backlog() > 0 : !fifo.isEmpty())) {
            long nextArrival = next < arrivals.size() ? arrivals.get(next).atNanos() : Long.MAX_VALUE;
            long nextFinish = finishing.isEmpty() ? Long.MAX_VALUE : finishing.peek()[0];
            now[0] = Math.min(nextArrival, nextFinish);
            if (nextFinish <= nextArrival) {
                long[] f = finishing.poll();
                Job done = running.get((int) f[1]);
                if (fair) {
                    scheduler.done(done, jobNanos);
                }
                idle++;
                makespan = Math.max(makespan, now[0]);
            } else {
                Arrival a = arrivals.get(next++);
                Job job = new Job("j" + id++, a.tenant(), a.type(), "", Priority.NORMAL, null, 1, Instant.EPOCH);
                arrivedAt.put(job.id(), a.atNanos());
                if (fair) {
                    scheduler.add(job);
                } else {
                    fifo.addLast(job);
                }
            }
            while (idle > 0) {
                Job job = fair ? scheduler.next() : fifo.pollFirst();
                if (job == null) {
                    break;
                }
                idle--;
                dwell.computeIfAbsent(job.tenant(), k -> new ArrayList<>()).add(now[0] - arrivedAt.remove(job.id()));
                running.add(job);
                finishing.add(new long[] {now[0] + jobNanos, running.size() - 1});
            }
        }
        return new Result(dwell, makespan, id);
    }
}
