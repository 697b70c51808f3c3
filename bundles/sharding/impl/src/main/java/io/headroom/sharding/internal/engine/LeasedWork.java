package io.headroom.sharding.internal.engine;

import io.headroom.core.api.fleet.Lease;
import io.headroom.core.api.fleet.Leases;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One kind of leased background work on this node (moves, or schema changes): a runner for each piece whose lease this
 * node holds, and a look every 2 s for open pieces whose lease is free (their holder stopped or died) to take over.
 *
 * @param <K> what identifies a piece of work (a move id, a schema version)
 */
public final class LeasedWork<K> implements AutoCloseable {
    /** How long a lease outlives its holder's last renewal. */
    static final Duration LEASE_TTL = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(LeasedWork.class);

    /** The pieces that need a runner now (read from the control schema). */
    public interface Open<K> {
        List<K> keys() throws SQLException;
    }

    /** A runner for a piece, holding its lease. */
    public interface Runners<K> {
        LeasedRunner create(K key, Lease lease);
    }

    private final String kind;
    private final Leases leases;
    private final Open<K> open;
    private final Runners<K> runners;
    private final Map<K, LeasedRunner> running = new ConcurrentHashMap<>();
    private final ScheduledExecutorService looker;
    private volatile boolean closed;

    /** @param kind what the work is, in lease names ({@code sharding.<kind>.<key>}) and thread names */
    public LeasedWork(String kind, Leases leases, Open<K> open, Runners<K> runners) {
        this.kind = kind;
        this.leases = leases;
        this.open = open;
        this.runners = runners;
        this.looker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "headroom-" + kind + "-claims");
            t.setDaemon(true);
            return t;
        });
        looker.scheduleWithFixedDelay(this::claimOrphans, 0, 2, TimeUnit.SECONDS);
    }

    String leaseName(K key) {
        return "sharding." + kind + "." + key;
    }

    /** The piece's lease, if nobody holds it (for work done in the caller's thread); close it when done. */
    public Optional<Lease> tryLease(K key) {
        return leases.tryAcquire(leaseName(key), LEASE_TTL);
    }

    /** Starts a runner for the piece if its lease is free; otherwise the next look tries again. */
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

    private void claimOrphans() {
        try {
            for (K key : open.keys()) {
                claim(key);
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("sharding: cannot look for {} work to resume: {}", kind, e.getMessage());
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
