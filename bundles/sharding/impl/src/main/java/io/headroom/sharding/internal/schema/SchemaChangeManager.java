package io.headroom.sharding.internal.schema;

import io.headroom.core.api.store.Migration;
import io.headroom.sharding.api.SchemaChangeStatus;
import io.headroom.sharding.internal.core.DdlCheck;
import io.headroom.sharding.internal.move.MoveHost;
import io.headroom.sharding.internal.move.ShadowCopy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Versioned schema changes across shards, recorded in the control schema and run by the node holding the lease:
 * the canary shard first, then the others with bounded concurrency, pausable and cancellable between shards.
 * Each shard is altered natively (INSTANT, else INPLACE with LOCK=NONE); a change the server can only do by copying
 * the table is applied with a shadow table copy ({@link ShadowCopy}, COPY-SHADOW), pausable and cancellable between
 * chunks. A shard's entry reads {@code RUNNING COPY-SHADOW <phase> <copied>/<total>} while its copy runs.
 */
public final class SchemaChangeManager implements AutoCloseable {
    public static final Migration MIGRATION = Migration.of(3, "versioned schema changes across shards",
            "CREATE TABLE IF NOT EXISTS shard_schema_changes (version INT PRIMARY KEY, ddl TEXT NOT NULL, state VARCHAR(16) NOT NULL,"
                    + " canary VARCHAR(63) NULL, shards TEXT NULL, error TEXT NULL, owner VARCHAR(64) NULL, lease_until TIMESTAMP(3) NULL,"
                    + " created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),"
                    + " updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3))");
    private static final Logger LOG = LoggerFactory.getLogger(SchemaChangeManager.class);
    /** MySQL/MariaDB errors that mean the change is already there (a rerun after a restart). */
    private static final Set<Integer> ALREADY = Set.of(1060, 1061, 1091, 1826);
    /** Errors that mean the requested algorithm cannot do this change. */
    private static final Set<Integer> NOT_SUPPORTED = Set.of(1845, 1846);

    /** A shard's entry while its shadow copy runs: not done (a rerun starts that shard again). */
    public static final String IN_PROGRESS = "RUNNING";

    private final MoveHost host;
    private final ShadowCopy shadow;
    private final int concurrency;
    private final long shardPauseMillis;
    private final String node = UUID.randomUUID().toString();
    private final Map<Integer, Thread> running = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public SchemaChangeManager(MoveHost host, int concurrency, long shardPauseMillis) {
        this(host, concurrency, shardPauseMillis, new ShadowCopy(host, ShadowCopy.Settings.DEFAULTS));
    }

    public SchemaChangeManager(MoveHost host, int concurrency, long shardPauseMillis, ShadowCopy shadow) {
        this.host = host;
        this.shadow = shadow;
        this.concurrency = Math.max(1, concurrency);
        this.shardPauseMillis = Math.max(0, shardPauseMillis);
    }

    public SchemaChangeStatus apply(int version, String ddl) {
        if (version < 1) {
            throw new IllegalArgumentException("schema versions start at 1");
        }
        DdlCheck.check(ddl, new HashSet<>(host.shardedTables()));
        try (Connection c = host.control().getConnection()) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM shard_schema_changes")) {
                rs.next();
                if (version <= rs.getInt(1)) {
                    throw new IllegalStateException("schema version " + version + " is not new: the latest is " + rs.getInt(1));
                }
            }
            List<String> shards = new ArrayList<>(host.topology().shards().keySet());
            if (shards.isEmpty()) {
                throw new IllegalStateException("there are no shards to change");
            }
            shards.sort(null);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO shard_schema_changes (version, ddl, state, canary, shards) VALUES (?, ?, 'RUNNING', ?, '')")) {
                ps.setInt(1, version);
                ps.setString(2, ddl.trim());
                ps.setString(3, shards.get(0));
                ps.executeUpdate();
            }
        } catch (SQLIntegrityConstraintViolationException e) {
            throw new IllegalStateException("schema version " + version + " already exists");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record the schema change: " + e.getMessage(), e);
        }
        try {
            claim(version);
        } catch (SQLException e) {
            LOG.warn("sharding: schema change {} recorded; a node will pick it up: {}", version, e.getMessage());
        }
        return status(version).orElseThrow();
    }

    public Optional<SchemaChangeStatus> status(int version) {
        return read(" WHERE version = " + version).stream().findFirst();
    }

    public List<SchemaChangeStatus> changes() {
        return read(" ORDER BY version");
    }

    private List<SchemaChangeStatus> read(String where) {
        List<SchemaChangeStatus> out = new ArrayList<>();
        try (Connection c = host.control().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version, ddl, state, canary, shards, error, updated_at FROM shard_schema_changes" + where)) {
            while (rs.next()) {
                out.add(new SchemaChangeStatus(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4), decode(rs.getString(5)),
                        rs.getString(6), rs.getString(7)));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read schema changes: " + e.getMessage(), e);
        }
        return out;
    }

    public SchemaChangeStatus pause(int version) {
        return setState(version, "PAUSED", "RUNNING");
    }

    public SchemaChangeStatus resume(int version) {
        SchemaChangeStatus s = setState(version, "RUNNING", "PAUSED");
        try {
            claim(version);
        } catch (SQLException e) {
            LOG.warn("sharding: cannot claim schema change {}: {}", version, e.getMessage());
        }
        return s;
    }

    public SchemaChangeStatus cancel(int version) {
        SchemaChangeStatus s = status(version).orElseThrow(() -> new IllegalArgumentException("no schema change " + version));
        if (!s.state().equals("RUNNING") && !s.state().equals("PAUSED")) {
            throw new IllegalStateException("schema change " + version + " is " + s.state());
        }
        SchemaChangeStatus out = setState(version, "CANCELLED", s.state());
        if (!running.containsKey(version)) {
            cleanUp(s.ddl()); // nobody runs it here (paused before a restart): drop what a shadow copy left
        }
        return out;
    }

    /** Drops shadow copies and kept old tables of the change's table on every shard (a change that is over). */
    private void cleanUp(String ddl) {
        String table = DdlCheck.check(ddl, new HashSet<>(host.shardedTables()));
        for (String shard : host.topology().shards().keySet()) {
            try {
                ShadowCopy.dropLeftovers(host.shard(shard), table);
            } catch (SQLException e) {
                LOG.warn("sharding: cannot drop the shadow tables of {} on {}: {}", table, shard, e.getMessage());
            }
        }
    }

    private SchemaChangeStatus setState(int version, String to, String from) {
        SchemaChangeStatus s = status(version).orElseThrow(() -> new IllegalArgumentException("no schema change " + version));
        try (Connection c = host.control().getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE shard_schema_changes SET state = ? WHERE version = ? AND state = ?")) {
            ps.setString(1, to);
            ps.setInt(2, version);
            ps.setString(3, from);
            if (ps.executeUpdate() != 1) {
                throw new IllegalStateException("schema change " + version + " is " + s.state() + ", not " + from);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot update schema change " + version + ": " + e.getMessage(), e);
        }
        return status(version).orElseThrow();
    }

    /** Resumes changes nobody runs (after a restart): called periodically. */
    public void claimOrphans() {
        if (closed) {
            return;
        }
        List<Integer> versions = new ArrayList<>();
        try (Connection c = host.control().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version FROM shard_schema_changes WHERE state = 'RUNNING' AND (owner IS NULL OR lease_until < NOW(3))")) {
            while (rs.next()) {
                versions.add(rs.getInt(1));
            }
            for (int v : versions) {
                claim(v);
            }
        } catch (SQLException e) {
            LOG.warn("sharding: cannot look for schema changes to resume: {}", e.getMessage());
        }
    }

    private void claim(int version) throws SQLException {
        if (closed || running.containsKey(version)) {
            return;
        }
        try (Connection c = host.control().getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE shard_schema_changes SET owner = ?, lease_until = NOW(3) + INTERVAL 10 SECOND WHERE version = ? AND state = 'RUNNING'"
                        + " AND (owner IS NULL OR owner = ? OR lease_until < NOW(3))")) {
            ps.setString(1, node);
            ps.setInt(2, version);
            ps.setString(3, node);
            if (ps.executeUpdate() == 1) {
                Thread t = new Thread(() -> run(version), "headroom-schema-" + version);
                t.setDaemon(true);
                running.put(version, t);
                t.start();
            }
        }
    }

    private void run(int version) {
        ExecutorService pool = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "headroom-schema-" + version + "-shard");
            t.setDaemon(true);
            return t;
        });
        try {
            SchemaChangeStatus s = status(version).orElseThrow();
            List<String> attempts = DdlCheck.attempts(s.ddl());
            List<String> shards = new ArrayList<>(host.topology().shards().keySet());
            shards.sort(null);
            shards.remove(s.canary());
            shards.add(0, s.canary());
            Map<String, String> done = new ConcurrentHashMap<>(s.shards());
            // canary alone: a change that fails there never reaches the others
            if (!isDone(done.get(s.canary()))) {
                if (!proceed(version)) {
                    return;
                }
                String how = alter(version, s.canary(), s.ddl(), attempts, done);
                if (how == null) {
                    return; // the node stops: the shard starts again on the next run
                }
                done.put(s.canary(), how);
                record(version, done, null);
                if (how.startsWith("FAILED")) {
                    cleanUp(s.ddl());
                    finish(version, "FAILED", "canary " + s.canary() + ": " + how);
                    return;
                }
            }
            List<Future<?>> inFlight = new ArrayList<>();
            for (String shard : shards) {
                if (isDone(done.get(shard)) && !done.get(shard).startsWith("FAILED")) {
                    continue;
                }
                if (!proceed(version)) {
                    break;
                }
                inFlight.add(pool.submit(() -> {
                    String how = alter(version, shard, s.ddl(), attempts, done);
                    if (how == null) {
                        return null;
                    }
                    done.put(shard, how);
                    record(version, done, null);
                    return null;
                }));
                if (inFlight.size() >= concurrency) {
                    inFlight.remove(0).get();
                }
                if (shardPauseMillis > 0) {
                    Thread.sleep(shardPauseMillis);
                }
            }
            for (Future<?> f : inFlight) {
                f.get();
            }
            if (closed) {
                return;
            }
            String state = status(version).map(SchemaChangeStatus::state).orElse("RUNNING");
            if (state.equals("RUNNING")) {
                boolean failed = done.values().stream().anyMatch(h -> h.startsWith("FAILED") || !isDone(h));
                cleanUp(s.ddl()); // the old tables kept by shadow copies go when the change is over
                finish(version, failed ? "FAILED" : "DONE", failed ? "some shards failed; see shards" : null);
            } else if (state.equals("CANCELLED")) {
                cleanUp(s.ddl());
            }
        } catch (Exception e) {
            if (!closed) {
                LOG.warn("sharding: schema change {} stopped: {}", version, e.toString());
                try (Connection c = host.control().getConnection(); PreparedStatement ps = c.prepareStatement(
                        "UPDATE shard_schema_changes SET error = ?, owner = NULL WHERE version = ?")) {
                    ps.setString(1, e.toString());
                    ps.setInt(2, version);
                    ps.executeUpdate();
                } catch (SQLException x) {
                    LOG.debug("sharding: cannot record the error: {}", x.getMessage());
                }
            }
        } finally {
            pool.shutdownNow();
            running.remove(version);
        }
    }

    /** Waits while paused; false when cancelled or stopping. Renews the lease. */
    private boolean proceed(int version) throws InterruptedException, SQLException {
        while (!closed) {
            try (Connection c = host.control().getConnection()) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE shard_schema_changes SET lease_until = NOW(3) + INTERVAL 10 SECOND WHERE version = ? AND owner = ?")) {
                    ps.setInt(1, version);
                    ps.setString(2, node);
                    ps.executeUpdate();
                }
            }
            String state = status(version).map(SchemaChangeStatus::state).orElse("CANCELLED");
            if (state.equals("RUNNING")) {
                return true;
            }
            if (!state.equals("PAUSED")) {
                return false;
            }
            Thread.sleep(200);
        }
        return false;
    }

    static boolean isDone(String how) {
        return how != null && !how.startsWith(IN_PROGRESS);
    }

    /**
     * Applies the change on one shard: natively (INSTANT, else INPLACE with LOCK=NONE), else with a shadow table copy;
     * the outcome as recorded, null when the node stops in the middle of a copy.
     */
    private String alter(int version, String shard, String ddl, List<String> attempts, Map<String, String> done) {
        String[] names = {"INSTANT", "INPLACE"};
        String last = null;
        for (int i = 0; i < attempts.size(); i++) {
            try (Connection c = host.shard(shard).getConnection(); Statement s = c.createStatement()) {
                s.execute(attempts.get(i));
                return names[i];
            } catch (SQLException e) {
                if (ALREADY.contains(e.getErrorCode())) {
                    return "ALREADY";
                }
                last = e.getMessage();
                if (!NOT_SUPPORTED.contains(e.getErrorCode())) {
                    return "FAILED: " + last;
                }
            }
        }
        LOG.info("sharding: schema change {} needs a table copy on {} ({}): copying to a shadow table", version, shard, last);
        String table = DdlCheck.check(ddl, new HashSet<>(host.shardedTables()));
        long[] lastRecord = {0};
        ShadowCopy.Control control = new ShadowCopy.Control() {
            @Override
            public boolean proceed() throws Exception {
                return SchemaChangeManager.this.proceed(version);
            }

            @Override
            public void progress(String phase, long copied, long total) {
                long now = System.currentTimeMillis();
                if (now - lastRecord[0] < 250 && phase.equals("copy")) {
                    return;
                }
                lastRecord[0] = now;
                done.put(shard, IN_PROGRESS + " COPY-SHADOW " + phase + " " + copied + "/" + total + " rows");
                try {
                    record(version, done, null);
                } catch (SQLException e) {
                    LOG.debug("sharding: cannot record progress: {}", e.getMessage());
                }
            }
        };
        try {
            return shadow.run(shard, table, ddl, control).describe();
        } catch (ShadowCopy.Stopped e) {
            return closed ? null : "CANCELLED: the shadow copy stopped; the table is untouched";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            if (closed) {
                return null;
            }
            LOG.warn("sharding: shadow copy of {} on {} failed: {}", table, shard, e.toString());
            return "FAILED: shadow copy: " + e.getMessage();
        }
    }

    private void record(int version, Map<String, String> done, String error) throws SQLException {
        try (Connection c = host.control().getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE shard_schema_changes SET shards = ?, error = COALESCE(?, error) WHERE version = ?")) {
            ps.setString(1, encode(done));
            ps.setString(2, error);
            ps.setInt(3, version);
            ps.executeUpdate();
        }
    }

    private void finish(int version, String state, String error) throws SQLException {
        try (Connection c = host.control().getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE shard_schema_changes SET state = ?, error = ?, owner = NULL WHERE version = ? AND state = 'RUNNING'")) {
            ps.setString(1, state);
            ps.setString(2, error);
            ps.setInt(3, version);
            ps.executeUpdate();
        }
    }

    private static String encode(Map<String, String> m) {
        StringBuilder b = new StringBuilder();
        new java.util.TreeMap<>(m).forEach((k, v) -> b.append(b.length() == 0 ? "" : "\n").append(k).append('=').append(v.replace("\n", " ")));
        return b.toString();
    }

    private static Map<String, String> decode(String s) {
        Map<String, String> out = new LinkedHashMap<>();
        if (s != null && !s.isEmpty()) {
            for (String line : s.split("\n")) {
                int eq = line.indexOf('=');
                out.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return out;
    }

    @Override
    public void close() {
        closed = true;
        running.values().forEach(Thread::interrupt);
        // a shadow copy stops between chunks and drops its shadow table: let it, so a restarted node starts clean
        for (Thread t : List.copyOf(running.values())) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try (Connection c = host.control().getConnection(); PreparedStatement ps = c.prepareStatement("UPDATE shard_schema_changes SET owner = NULL WHERE owner = ?")) {
            ps.setString(1, node);
            ps.executeUpdate();
        } catch (SQLException e) {
            LOG.debug("sharding: cannot release schema change leases: {}", e.getMessage());
        }
    }
}
