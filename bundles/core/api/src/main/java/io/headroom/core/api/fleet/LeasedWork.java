package io.headroom.core.api.fleet;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One kind of leased background work on this node (tenant moves, schema changes, switchovers, index backfills): a
 * {@link LeasedRunner} for each open piece whose lease ({@code <kind>.<key>}) this node holds, and a look at regular
 * intervals for open pieces whose lease is free (never taken, released by a runner that ended, or left by a holder that
 * stopped or died) to take over. A piece is therefore worked on by one node at a time, resumed by another when its node
 * dies, and its runner restarts from what the control schema recorded.
 *
 * <p>Not a service: each capability builds one over the {@link Leases} service and closes it when it stops, which
 * releases its leases so another node takes the work at once instead of after the lease's time to live.
 *
 * @param <K> what identifies a piece of work (a move id, a schema version, a migration id)
 */
public final class LeasedWork<K> implements AutoCloseable {
    /** How long a lease outlives its holder's last renewal, unless the constructor is given another. */
    public static final Duration LEASE_TTL = Duration.ofSeconds(10);
    private static final System.Logger LOG = System.getLogger(LeasedWork.class.getName());

    /** The pieces that need a runner now (read from the control schema). */
    public interface Open<K> {
        List<K> keys() throws Exception;
    }

    /** A runner for a piece, holding its lease. */
    public interface Runners<K> {
        LeasedRunner create(K key, Lease lease);
    }

    private final String kind;
    private final Leases leases;
    private final Duration ttl;
    private final Open<K> open;
    private final Runners<K> runners;
    private final Map<K, LeasedRunner> running = new ConcurrentHashMap<>();
    private final ScheduledExecutorService looker;
    private volatile boolean closed;

    /**
     * @param kind      what the work is, the leases' name prefix (e.g. {@code sharding.move}) and the threads' names
     * @param lookEvery how often to look for open pieces nobody works on
     */
    public LeasedWork(String kind, Leases leases, Duration ttl, Duration lookEvery, Open<K> open, Runners<K> runners) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.leases = Objects.requireNonNull(leases, "leases");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.open = Objects.requireNonNull(open, "open");
        this.runners = Objects.requireNonNull(runners, "runners");
        this.looker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "headroom-" + kind + "-claims");
            t.setDaemon(true);
            return t;
        });
        looker.scheduleWithFixedDelay(this::claimOrphans, 0, lookEvery.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Work whose leases live {@link #LEASE_TTL}, looked for every 2 s. */
    public LeasedWork(String kind, Leases leases, Open<K> open, Runners<K> runners) {
        this(kind, leases, LEASE_TTL, Duration.ofSeconds(2), open, runners);
    }

    /** The lease's name of a piece: {@code <kind>.<key>}. */
    public String leaseName(K key) {
        return kind + "." + key;
    }

    /** The piece's lease, if nobody holds it (for work done in the caller's thread); close it when done. */
    public Optional<Lease> tryLease(K key) {
        return leases.tryAcquire(leaseName(key), ttl);
    }

    /** Starts a runner for the piece if its lease is free and this node runs none for it; otherwise the next look tries again. */
    public synchronized void claim(K key) {
        if (closed || running.containsKey(key)) {
            return;
        }
        Optional<Lease> lease = tryLease(key);
        if (lease.isEmpty()) {
            return; // another node runs it, or the control schema is unreachable
        }
        LeasedRunner r = runners.create(key, lease.get());
        running.put(key, r);
        r.start(() -> running.remove(key, r));
    }

    /** Looks for open pieces now rather than at the next interval (e.g. when an operator asked for the work). */
    public void wake() {
        try {
            looker.execute(this::claimOrphans);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    private void claimOrphans() {
        try {
            for (K key : open.keys()) {
                claim(key);
            }
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "cannot look for " + kind + " work to resume: " + e);
        }
    }

    /** Stops the runners (waiting up to 5 s in all for them to end) and the looks; their leases are released. */
    @Override
    public void close() {
        closed = true;
        looker.shutdownNow();
        List<LeasedRunner> stopping = List.copyOf(running.values());
        stopping.forEach(LeasedRunner::stop);
        long deadline = System.currentTimeMillis() + 5_000;
        for (LeasedRunner r : stopping) {
            r.awaitStopped(deadline - System.currentTimeMillis());
        }
        running.clear();
    }
}
