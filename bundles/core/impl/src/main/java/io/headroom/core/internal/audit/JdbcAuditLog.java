package io.headroom.core.internal.audit;

import io.headroom.core.api.audit.AuditEntry;
import io.headroom.core.api.audit.AuditLog;
import io.headroom.core.api.fleet.Fleet;
import io.headroom.core.api.metrics.Counter;
import io.headroom.core.api.metrics.Metrics;
import io.headroom.core.api.store.ControlStore;
import io.headroom.core.api.store.Migration;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log in {@code core_audit}. Callers hand entries to a bounded queue; one writer thread inserts them in
 * batches (so a REST request never waits for the control database, and keeps its entries while that database is
 * away), and deletes entries older than the retention once an hour.
 */
@Component(service = AuditLog.class, configurationPid = JdbcAuditLog.PID)
@Designate(ocd = JdbcAuditLog.Config.class)
public final class JdbcAuditLog implements AuditLog {
    public static final String PID = "io.headroom.audit";
    private static final Logger LOG = LoggerFactory.getLogger(JdbcAuditLog.class);
    private static final int BATCH = 500;

    static final List<Migration> MIGRATIONS = List.of(Migration.of(1, "audit log",
            "CREATE TABLE IF NOT EXISTS core_audit (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                    + " at TIMESTAMP(3) NOT NULL, node VARCHAR(64) NOT NULL, actor VARCHAR(190) NOT NULL,"
                    + " via VARCHAR(32) NOT NULL, action VARCHAR(255) NOT NULL, target VARCHAR(1024) NOT NULL,"
                    + " outcome VARCHAR(255) NOT NULL, request_id VARCHAR(64) NULL, KEY core_audit_at (at),"
                    + " KEY core_audit_actor (actor, at)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"));

    @ObjectClassDefinition(name = "Headroom audit log")
    public @interface Config {
        @AttributeDefinition(description = "Entries older than this are deleted, days")
        int retentionDays() default 90;

        @AttributeDefinition(description = "Entries waiting for the control schema at most; beyond, new ones are dropped"
                + " and counted")
        int maxPending() default 10_000;
    }

    private final DataSource db;
    private final String node;
    private final int retentionDays;
    private final BlockingQueue<AuditEntry> pending;
    private final Counter dropped;
    private final Thread writer;
    private volatile boolean running = true;

    @Activate
    public JdbcAuditLog(@Reference ControlStore store, @Reference Fleet fleet, @Reference Metrics metrics, Config config) {
        store.migrate("core.audit", MIGRATIONS);
        this.db = store.dataSource();
        this.node = fleet.nodeId();
        this.retentionDays = config.retentionDays();
        this.pending = new ArrayBlockingQueue<>(Math.max(1, config.maxPending()));
        this.dropped = metrics.counter("headroom_audit_dropped", "Audit entries dropped because too many waited for the"
                + " control schema");
        metrics.gauge("headroom_audit_pending", "Audit entries waiting to be written to the control schema", List.of(),
                s -> s.sample(pending.size()));
        this.writer = new Thread(this::write, "headroom-audit-writer");
        writer.setDaemon(true);
        writer.start();
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        running = false;
        writer.interrupt();
        writer.join(5000);
    }

    @Override
    public void record(AuditEntry entry) {
        AuditEntry stamped = new AuditEntry(0, Instant.now(), node, cut(entry.actor(), 190), cut(entry.via(), 32),
                cut(entry.action(), 255), cut(entry.target(), 1024), cut(entry.outcome(), 255),
                entry.requestId() == null ? null : cut(entry.requestId(), 64));
        if (!pending.offer(stamped)) {
            dropped.inc();
            LOG.warn("audit: {} entries wait for the control schema; dropped: {} {} {} by {}", pending.size(),
                    stamped.via(), stamped.action(), stamped.target(), stamped.actor());
        }
    }

    @Override
    public List<AuditEntry> entries(String actor, String action, Instant since, int limit) {
        StringBuilder sql = new StringBuilder("SELECT id, at, node, actor, via, action, target, outcome, request_id"
                + " FROM core_audit WHERE 1 = 1");
        List<Object> params = new ArrayList<>();
        if (actor != null && !actor.isBlank()) {
            sql.append(" AND actor = ?");
            params.add(actor);
        }
        if (action != null && !action.isBlank()) {
            sql.append(" AND (action LIKE ? OR target LIKE ?)");
            String like = "%" + action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
            params.add(like);
            params.add(like);
        }
        if (since != null) {
            sql.append(" AND at >= ?");
            params.add(Timestamp.from(since));
        }
        sql.append(" ORDER BY id DESC LIMIT ?");
        params.add(Math.max(1, Math.min(limit, 10_000)));
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < params.size(); i++) {
                p.setObject(i + 1, params.get(i));
            }
            List<AuditEntry> out = new ArrayList<>();
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    out.add(new AuditEntry(r.getLong(1), r.getTimestamp(2).toInstant(), r.getString(3), r.getString(4),
                            r.getString(5), r.getString(6), r.getString(7), r.getString(8), r.getString(9)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the audit log: " + e.getMessage(), e);
        }
    }

    /** The writer: batches of what is pending, retried while the database is away; the hourly retention sweep. */
    private void write() {
        List<AuditEntry> batch = new ArrayList<>(BATCH);
        long nextSweep = 0;
        while (running || !pending.isEmpty()) {
            try {
                if (batch.isEmpty()) {
                    AuditEntry first = pending.poll(running ? 1 : 0, TimeUnit.SECONDS);
                    if (first == null) {
                        if (!running) {
                            return;
                        }
                    } else {
                        batch.add(first);
                        pending.drainTo(batch, BATCH - 1);
                    }
                }
                if (!batch.isEmpty()) {
                    insert(batch);
                    batch.clear();
                }
                if (System.currentTimeMillis() >= nextSweep) {
                    sweep();
                    nextSweep = System.currentTimeMillis() + 3_600_000;
                }
            } catch (InterruptedException e) {
                if (running) {
                    Thread.currentThread().interrupt();
                    return;
                }
            } catch (SQLException e) {
                LOG.debug("audit: control schema unreachable, {} entries kept: {}", batch.size() + pending.size(), e.getMessage());
                if (!running) {
                    LOG.warn("audit: {} entries not written at stop: {}", batch.size() + pending.size(), e.getMessage());
                    return;
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    if (running) {
                        return;
                    }
                }
            }
        }
    }

    private void insert(List<AuditEntry> batch) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement("INSERT INTO core_audit"
                + " (at, node, actor, via, action, target, outcome, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (AuditEntry e : batch) {
                p.setTimestamp(1, Timestamp.from(e.at()));
                p.setString(2, e.node());
                p.setString(3, e.actor());
                p.setString(4, e.via());
                p.setString(5, e.action());
                p.setString(6, e.target());
                p.setString(7, e.outcome());
                p.setString(8, e.requestId());
                p.addBatch();
            }
            p.executeBatch();
        }
    }

    private void sweep() throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "DELETE FROM core_audit WHERE at < NOW(3) - INTERVAL ? DAY LIMIT 10000")) {
            p.setInt(1, retentionDays);
            p.executeUpdate();
        }
    }

    private static String cut(String s, int max) {
        if (s == null) {
            return "";
        }
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
