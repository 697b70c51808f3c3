package io.headroom.core.internal.fleet;

import io.headroom.core.api.fleet.Fleet;
import io.headroom.core.api.fleet.Lease;
import io.headroom.core.api.fleet.LeaseInfo;
import io.headroom.core.api.fleet.LeaseLostException;
import io.headroom.core.api.fleet.Leases;
import io.headroom.core.api.store.ControlStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leases as rows of {@code core_leases}, taken with a locking read and renewed in the background every third of their
 * time to live. A holder's local deadline is the send time of its last successful renewal plus the time to live, less
 * a fifth of it for clock drift; the row's expiry is computed by the database when that renewal ran, so it is always
 * later than the holder's deadline.
 */
@Component(service = Leases.class)
public final class JdbcLeases implements Leases {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcLeases.class);
    static final int MAX_NAME = 190;
    static final Duration MIN_TTL = Duration.ofMillis(300);

    private final DataSource db;
    private final String nodeId;
    private final ScheduledExecutorService renewer;
    private final Set<Held> held = ConcurrentHashMap.newKeySet();

    @Activate
    public JdbcLeases(@Reference ControlStore store, @Reference Fleet fleet) {
        this.db = store.dataSource();
        this.nodeId = fleet.nodeId();
        this.renewer = Executors.newScheduledThreadPool(1, r -> {
            Thread t = new Thread(r, "headroom-lease-renewer");
            t.setDaemon(true);
            return t;
        });
    }

    @Deactivate
    public void deactivate() {
        List.copyOf(held).forEach(Held::close);
        renewer.shutdownNow();
    }

    @Override
    public Optional<Lease> tryAcquire(String name, Duration ttl) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME) {
            throw new IllegalArgumentException("a lease name has 1-" + MAX_NAME + " characters");
        }
        if (ttl.compareTo(MIN_TTL) < 0) {
            throw new IllegalArgumentException("a lease lives at least " + MIN_TTL.toMillis() + " ms");
        }
        String holder = UUID.randomUUID().toString().replace("-", "");
        long micros = ttl.toNanos() / 1000;
        long sent = System.nanoTime();
        long epoch;
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                epoch = take(c, name, holder, micros);
                if (epoch == 0) {
                    c.rollback();
                    return Optional.empty();
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLIntegrityConstraintViolationException e) {
            return Optional.empty(); // another node inserted the first row of this lease at the same moment
        } catch (SQLException e) {
            LOG.debug("lease {}: cannot acquire: {}", name, e.getMessage());
            return Optional.empty();
        }
        Held lease = new Held(name, holder, epoch, ttl.toNanos(), sent);
        held.add(lease);
        long every = Math.max(100, ttl.toMillis() / 3);
        lease.renewal = renewer.scheduleWithFixedDelay(lease::renew, every, every, TimeUnit.MILLISECONDS);
        return Optional.of(lease);
    }

    /** The new epoch, or 0 when someone holds the lease. */
    private long take(Connection c, String name, String holder, long micros) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(
                "SELECT epoch, expires_at <= NOW(3) FROM core_leases WHERE name = ? FOR UPDATE")) {
            p.setString(1, name);
            try (ResultSet rs = p.executeQuery()) {
                if (!rs.next()) {
                    exec(c, "INSERT INTO core_leases (name, node, holder, epoch, acquired_at, expires_at)"
                            + " VALUES (?, ?, ?, 1, NOW(3), NOW(3) + INTERVAL ? MICROSECOND)", name, nodeId, holder, micros);
                    return 1;
                }
                if (!rs.getBoolean(2)) {
                    return 0;
                }
                long epoch = rs.getLong(1) + 1;
                exec(c, "UPDATE core_leases SET node = ?, holder = ?, epoch = ?, acquired_at = NOW(3),"
                        + " expires_at = NOW(3) + INTERVAL ? MICROSECOND WHERE name = ?", nodeId, holder, epoch, micros, name);
                return epoch;
            }
        }
    }

    @Override
    public List<LeaseInfo> list(String prefix) {
        List<LeaseInfo> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT name, node, epoch, acquired_at, expires_at, expires_at <= NOW(3) FROM core_leases"
                        + " WHERE name LIKE ? ESCAPE '!' ORDER BY name")) {
            p.setString(1, prefix.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%");
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(new LeaseInfo(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getTimestamp(4).toInstant(),
                            rs.getTimestamp(5).toInstant(), rs.getBoolean(6)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot list leases: " + e.getMessage(), e);
        }
        return out;
    }

    private static int exec(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                p.setObject(i + 1, args[i]);
            }
            return p.executeUpdate();
        }
    }

    private final class Held implements Lease {
        private final String name;
        private final String holder;
        private final long epoch;
        private final long ttlNanos;
        private volatile long deadline;
        private volatile boolean lost;
        private volatile ScheduledFuture<?> renewal;

        Held(String name, String holder, long epoch, long ttlNanos, long sent) {
            this.name = name;
            this.holder = holder;
            this.epoch = epoch;
            this.ttlNanos = ttlNanos;
            this.deadline = sent + ttlNanos - ttlNanos / 5;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public long epoch() {
            return epoch;
        }

        @Override
        public boolean held() {
            if (!lost && System.nanoTime() - deadline >= 0) {
                lost = true;
                LOG.warn("lease {}: not renewed in time; this node stops the work it guards", name);
            }
            return !lost;
        }

        void renew() {
            if (!held()) {
                cancel();
                return;
            }
            long sent = System.nanoTime();
            try (Connection c = db.getConnection()) {
                int n = exec(c, "UPDATE core_leases SET expires_at = NOW(3) + INTERVAL ? MICROSECOND"
                        + " WHERE name = ? AND holder = ? AND expires_at > NOW(3)", ttlNanos / 1000, name, holder);
                if (n == 1) {
                    deadline = sent + ttlNanos - ttlNanos / 5;
                } else {
                    lost = true;
                    LOG.warn("lease {}: taken over by another node", name);
                    cancel();
                }
            } catch (SQLException | RuntimeException e) {
                LOG.warn("lease {}: renewal failed (the lease is kept until its deadline): {}", name, e.getMessage());
            }
        }

        @Override
        public void verify(Connection transaction) throws SQLException {
            if (!held()) {
                throw new LeaseLostException(name);
            }
            try (PreparedStatement p = transaction.prepareStatement(
                    "SELECT 1 FROM core_leases WHERE name = ? AND holder = ? AND expires_at > NOW(3) FOR UPDATE")) {
                p.setString(1, name);
                p.setString(2, holder);
                try (ResultSet rs = p.executeQuery()) {
                    if (!rs.next()) {
                        lost = true;
                        throw new LeaseLostException(name);
                    }
                }
            }
        }

        private void cancel() {
            ScheduledFuture<?> r = renewal;
            if (r != null) {
                r.cancel(false);
            }
            held.remove(this);
        }

        @Override
        public void close() {
            boolean wasHeld = !lost;
            lost = true;
            cancel();
            if (!wasHeld) {
                return;
            }
            try (Connection c = db.getConnection()) {
                exec(c, "UPDATE core_leases SET expires_at = NOW(3) WHERE name = ? AND holder = ? AND expires_at > NOW(3)", name, holder);
            } catch (SQLException | RuntimeException e) {
                LOG.debug("lease {}: release failed (it expires by itself): {}", name, e.getMessage());
            }
        }
    }
}
