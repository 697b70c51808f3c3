package io.headroom.core.internal.store;

import io.headroom.core.api.fleet.Fleet;
import io.headroom.core.api.fleet.FleetNode;
import io.headroom.core.api.fleet.Lease;
import io.headroom.core.api.fleet.Leases;
import io.headroom.core.api.store.ControlEndpoint;
import io.headroom.core.api.store.ControlEndpoints;
import io.headroom.core.api.store.ControlStore;
import io.headroom.core.api.store.Switchover;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control schema's servers and switchovers between them, and this node's side of a switchover: a watcher that
 * reads the fence from the primary every {@value #WATCH_MILLIS} ms, fences this node's control writes when it is up
 * (new connections read-only), acknowledges once the connections handed out before it are back (or after
 * {@value #DRAIN_MILLIS} ms), and lifts it only once it writes to the primary again.
 *
 * <p>A switchover, on the node that runs it, under the {@value #LEASE} lease: wait (unfenced, up to
 * {@value #CATCH_UP_MILLIS} ms) until the replica applied what the primary had written when it began, as Vitess's
 * PlannedReparentShard does, so the fence only waits for the last few transactions; fence (and wait for every live node's
 * acknowledgement), note the primary's last GTID and make it read-only, wait until the replica applied that GTID,
 * promote the replica, make the old primary replicate from it, open the fence on the new primary. If the nodes or the
 * replica are not there within {@value #BUDGET_MILLIS} ms it rolls back: the old primary takes writes again.
 */
@Component(service = ControlEndpoints.class)
public final class MysqlControlEndpoints implements ControlEndpoints {
    static final String LEASE = "control.switchover";
    static final long WATCH_MILLIS = 200;
    static final long DRAIN_MILLIS = 3000;
    static final long BUDGET_MILLIS = 10_000;
    static final long CATCH_UP_MILLIS = 15_000;
    private static final Logger LOG = LoggerFactory.getLogger(MysqlControlEndpoints.class);

    private final MysqlControlStore store;
    private final Fleet fleet;
    private final Leases leases;
    private final ScheduledExecutorService watcher;
    private long fencedAt;
    private long ackedEpoch = -1;

    @Activate
    public MysqlControlEndpoints(@Reference ControlStore store, @Reference Fleet fleet, @Reference Leases leases) {
        this.store = (MysqlControlStore) store;
        this.fleet = fleet;
        this.leases = leases;
        this.watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "headroom-control-fence");
            t.setDaemon(true);
            return t;
        });
        watcher.scheduleWithFixedDelay(this::watchFence, WATCH_MILLIS, WATCH_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() {
        watcher.shutdownNow();
        store.pool().unfence();
    }

    /** This node's side of the fence; runs on the watcher thread only. */
    private void watchFence() {
        ControlPool pool = store.pool();
        try (Connection c = pool.unfenced()) {
            long epoch;
            String state;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT epoch, state FROM control_fence WHERE id = 1")) {
                if (!rs.next()) {
                    return;
                }
                epoch = rs.getLong(1);
                state = rs.getString(2);
            }
            if ("FENCED".equals(state)) {
                if (!pool.fenced()) {
                    pool.fence();
                    fencedAt = System.nanoTime();
                    LOG.info("control schema fenced for a switchover (epoch {}): control writes are refused", epoch);
                }
                boolean drained = pool.openWritable() == 0 || System.nanoTime() - fencedAt > DRAIN_MILLIS * 1_000_000;
                if (ackedEpoch < epoch && drained) {
                    try (PreparedStatement p = c.prepareStatement("INSERT INTO control_fence_acks (node, epoch, acked_at) VALUES (?, ?, NOW(3))"
                            + " ON DUPLICATE KEY UPDATE epoch = VALUES(epoch), acked_at = NOW(3)")) {
                        p.setString(1, fleet.nodeId());
                        p.setLong(2, epoch);
                        p.executeUpdate();
                    }
                    ackedEpoch = epoch;
                }
            } else if (pool.fenced()) {
                // open again, but only once this node writes to the primary: a demoted primary reads OPEN too, by replication
                store.followPrimary();
                if (MysqlControlStore.role(store.pool().current()) == MysqlControlStore.Role.PRIMARY) {
                    pool.unfence();
                    LOG.info("control schema fence lifted (epoch {}); writing to {}", epoch, store.describe());
                }
            }
        } catch (SQLException | RuntimeException e) {
            store.followPrimary(); // the server went away or was demoted: look for the primary
        }
    }

    @Override
    public List<ControlEndpoint> endpoints() {
        List<ControlEndpoint> out = new ArrayList<>();
        for (String url : store.urls()) {
            String name = MysqlControlStore.server(url);
            boolean current = url.equals(store.currentUrl());
            try (Connection c = plain(url)) {
                MysqlControlStore.Role role = MysqlControlStore.role(c);
                Replication r = replication(c);
                out.add(new ControlEndpoint(name, role.name(), current, r.running(), r.lagSeconds(), r.detail()));
            } catch (SQLException e) {
                out.add(new ControlEndpoint(name, MysqlControlStore.Role.UNREACHABLE.name(), current, false, null, "does not answer"));
            }
        }
        return out;
    }

    /** A server's replication as SHOW SLAVE STATUS tells it. */
    private record Replication(boolean running, Long lagSeconds, String sourceHost, int sourcePort, String detail) {
    }

    private static Replication replication(Connection c) {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW SLAVE STATUS")) {
            if (!rs.next()) {
                return new Replication(false, null, null, 0, "");
            }
            boolean running = "Yes".equals(rs.getString("Slave_IO_Running")) && "Yes".equals(rs.getString("Slave_SQL_Running"));
            long lag = rs.getLong("Seconds_Behind_Master");
            Long lagSeconds = rs.wasNull() ? null : lag;
            String error = rs.getString("Last_Error");
            return new Replication(running, lagSeconds, rs.getString("Master_Host"), rs.getInt("Master_Port"),
                    running ? "replicating from " + rs.getString("Master_Host") + ":" + rs.getInt("Master_Port")
                            : "replication stopped" + (error == null || error.isEmpty() ? "" : ": " + error));
        } catch (SQLException e) {
            return new Replication(false, null, null, 0, "");
        }
    }

    @Override
    public Switchover switchover(String target) {
        String from = store.currentUrl();
        String to = store.urls().stream().filter(u -> !u.equals(from))
                .filter(u -> target == null || target.isBlank() || MysqlControlStore.server(u).equals(target))
                .findFirst().orElseThrow(() -> new IllegalStateException(target == null || target.isBlank()
                        ? "no replica of the control schema is configured (failoverUrls)"
                        : "no control server " + target + " is configured; known: " + store.urls().stream().map(MysqlControlStore::server).toList()));
        Lease lease = leases.tryAcquire(LEASE, Duration.ofMinutes(1))
                .orElseThrow(() -> new IllegalStateException("another control-schema switchover is running"));
        try (lease; Connection p = plain(from); Connection r = plain(to)) {
            if (MysqlControlStore.role(p) != MysqlControlStore.Role.PRIMARY) {
                throw new IllegalStateException(MysqlControlStore.server(from) + " is not the primary now");
            }
            Replication replica = replication(r);
            URI source = uri(from);
            if (!replica.running() || replica.sourcePort() != port(source)) {
                throw new IllegalStateException(MysqlControlStore.server(to) + " is not a running replica of " + MysqlControlStore.server(from)
                        + (replica.detail().isEmpty() ? "" : " (" + replica.detail() + ")"));
            }
            String now = single(p, "SELECT @@gtid_binlog_pos");
            if (!"0".equals(single(r, "SELECT MASTER_GTID_WAIT('" + now.replace("'", "") + "', " + CATCH_UP_MILLIS / 1000 + ")"))) {
                throw new IllegalStateException(MysqlControlStore.server(to) + " is more than " + CATCH_UP_MILLIS / 1000
                        + " s behind the primary (did not apply " + now + "): switchover not started");
            }
            return run(p, r, from, to);
        } catch (SQLException e) {
            throw new IllegalStateException("switchover not started: " + e.getMessage(), e);
        }
    }

    private Switchover run(Connection p, Connection r, String from, String to) throws SQLException {
        long t0 = System.nanoTime();
        Instant started = Instant.now();
        long epoch = setFence(p, "FENCED");
        boolean readOnly = false;
        String failure;
        try {
            failure = awaitAcks(p, epoch);
            if (failure == null) {
                String gtid = single(p, "SELECT @@gtid_binlog_pos");
                exec(p, "SET GLOBAL read_only = 1");
                readOnly = true;
                long waitSeconds = Math.max(1, (BUDGET_MILLIS - (System.nanoTime() - t0) / 1_000_000) / 1000);
                if (!"0".equals(single(r, "SELECT MASTER_GTID_WAIT('" + gtid.replace("'", "") + "', " + waitSeconds + ")"))) {
                    failure = MysqlControlStore.server(to) + " did not apply the primary's last transaction " + gtid + " within " + waitSeconds + " s";
                }
            }
        } catch (SQLException | RuntimeException e) {
            failure = e.getMessage();
        }
        if (failure != null) {
            if (readOnly) {
                exec(p, "SET GLOBAL read_only = 0");
            }
            setFence(p, "OPEN");
            long fenced = (System.nanoTime() - t0) / 1_000_000;
            LOG.warn("control switchover to {} rolled back after {} ms: {}", MysqlControlStore.server(to), fenced, failure);
            return record(p, new Switchover(0, MysqlControlStore.server(from), MysqlControlStore.server(to), Switchover.ROLLED_BACK, fenced,
                    started.toString(), failure));
        }
        exec(r, "STOP SLAVE");
        exec(r, "RESET SLAVE ALL");
        exec(r, "SET GLOBAL read_only = 0");
        URI primary = uri(to);
        MysqlControlStore.Config cfg = store.config();
        String user = cfg.replicationUser().isBlank() ? cfg.user() : cfg.replicationUser();
        String password = cfg.replicationUser().isBlank() ? cfg.password() : cfg.replicationPassword();
        exec(p, "CHANGE MASTER TO MASTER_HOST = " + quote(primary.getHost()) + ", MASTER_PORT = " + port(primary)
                + ", MASTER_USER = " + quote(user) + ", MASTER_PASSWORD = " + quote(password)
                + ", MASTER_CONNECT_RETRY = 1, MASTER_USE_GTID = current_pos");
        exec(p, "START SLAVE");
        setFence(r, "OPEN");
        long fenced = (System.nanoTime() - t0) / 1_000_000;
        store.followPrimary();
        if (MysqlControlStore.role(store.pool().current()) == MysqlControlStore.Role.PRIMARY) {
            store.pool().unfence(); // this node at once, not at its watcher's next look (the others follow within it)
        }
        LOG.info("control switchover: {} is the primary, {} replicates from it; control writes were refused for {} ms",
                MysqlControlStore.server(to), MysqlControlStore.server(from), fenced);
        return record(r, new Switchover(0, MysqlControlStore.server(from), MysqlControlStore.server(to), Switchover.DONE, fenced,
                started.toString(), "promoted " + MysqlControlStore.server(to)));
    }

    /** Every live node acknowledged the fence; null, or why not within the budget. */
    private String awaitAcks(Connection p, long epoch) throws SQLException {
        long deadline = System.nanoTime() + BUDGET_MILLIS * 1_000_000;
        Set<String> missing = new HashSet<>();
        while (System.nanoTime() < deadline) {
            missing.clear();
            fleet.liveNodes().stream().map(FleetNode::id).forEach(missing::add);
            missing.add(fleet.nodeId());
            try (PreparedStatement s = p.prepareStatement("SELECT node FROM control_fence_acks WHERE epoch >= ?")) {
                s.setLong(1, epoch);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        missing.remove(rs.getString(1));
                    }
                }
            }
            if (missing.isEmpty()) {
                return null;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
        }
        return "nodes " + missing + " did not fence their control writes within " + BUDGET_MILLIS + " ms";
    }

    private static long setFence(Connection c, String state) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("UPDATE control_fence SET epoch = epoch + 1, state = ? WHERE id = 1")) {
            p.setString(1, state);
            p.executeUpdate();
        }
        return Long.parseLong(single(c, "SELECT epoch FROM control_fence WHERE id = 1"));
    }

    private static Switchover record(Connection c, Switchover s) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("INSERT INTO control_switchovers (from_server, to_server, state, fenced_ms,"
                + " started_at, detail) VALUES (?, ?, ?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
            p.setString(1, s.from());
            p.setString(2, s.to());
            p.setString(3, s.state());
            p.setLong(4, s.fencedMillis());
            p.setTimestamp(5, java.sql.Timestamp.from(Instant.parse(s.startedAt())));
            p.setString(6, s.detail().length() > 1000 ? s.detail().substring(0, 1000) : s.detail());
            p.executeUpdate();
            try (ResultSet keys = p.getGeneratedKeys()) {
                keys.next();
                return new Switchover(keys.getLong(1), s.from(), s.to(), s.state(), s.fencedMillis(), s.startedAt(), s.detail());
            }
        }
    }

    @Override
    public List<Switchover> history(int limit) {
        try (Connection c = store.dataSource().getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT id, from_server, to_server, state, fenced_ms, started_at, detail FROM control_switchovers ORDER BY id DESC LIMIT ?")) {
            p.setInt(1, limit);
            try (ResultSet rs = p.executeQuery()) {
                List<Switchover> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new Switchover(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                            rs.getTimestamp(6).toInstant().toString(), rs.getString(7)));
                }
                return out;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the switchover history: " + e.getMessage(), e);
        }
    }

    private Connection plain(String url) throws SQLException {
        MysqlControlStore.Config cfg = store.config();
        return MysqlControlStore.plainDataSource(cfg, url, cfg.user(), cfg.password()).getConnection();
    }

    private static URI uri(String jdbcUrl) {
        return URI.create(jdbcUrl.substring("jdbc:".length()));
    }

    private static int port(URI u) {
        return u.getPort() < 0 ? 3306 : u.getPort();
    }

    private static String quote(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    private static String single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
