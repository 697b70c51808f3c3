package io.headroom.sharding.internal.engine;

import io.headroom.sharding.internal.ShardMap;
import io.headroom.sharding.internal.core.DdlCheck;
import io.headroom.sharding.internal.core.Gtid;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A schema change that native online DDL cannot run without blocking writes, applied to one shard the gh-ost way:
 * {@code _<table>_gho} is created like the table and altered; the GTID position is taken; rows are copied in
 * primary-key chunks ({@code INSERT IGNORE ... SELECT} by key range, a pause between chunks); the table's row events
 * since that position are replayed into the shadow (REPLACE / DELETE by key, columns matched by name so a retyped
 * column converts); then the cut-over: the table is locked against writes ({@code LOCK TABLES t READ}: reads go on),
 * the remaining events up to the position seen under the lock are drained, row count and a checksum of the unchanged
 * columns are compared, and a second connection issues {@code RENAME TABLE t TO _t_del, _t_gho TO t}, which queues
 * behind the lock; unlocking lets the rename go before the writes that wait (a pending exclusive metadata lock has
 * priority), and those then reach the new table. A cut-over that cannot finish within the lock budget kills its
 * queued rename, unlocks, backs off and retries. The old table stays as {@code _<table>_del} until the change is
 * finished.
 */
public final class ShadowCopy {
    private static final Logger LOG = LoggerFactory.getLogger(ShadowCopy.class);
    /** Above this many rows (estimated) the cut-over does not count and checksum both tables under the lock. */
    static final long VERIFY_MAX_ROWS = 200_000;

    /** What the copy asks of the schema change that runs it. */
    public interface Control {
        /** Waits while the change is paused; false when it is cancelled or the node stops. */
        boolean proceed() throws Exception;

        void progress(String phase, long copied, long total);
    }

    /** The change was cancelled (or the node stops): the shadow table is gone, the table untouched. */
    public static final class Stopped extends Exception {
        Stopped() {
            super("shadow copy stopped; the table is untouched");
        }
    }

    public record Outcome(long copied, long longestBlockMillis, int attempts, String verified) {
        /** As recorded for the shard. */
        public String describe() {
            return "COPY-SHADOW (" + copied + " rows copied, " + verified + ", cut-over blocked writes " + longestBlockMillis + " ms, attempt "
                    + attempts + ")";
        }
    }

    /**
     * @param chunkRows         rows per copy chunk
     * @param chunkPauseMillis  pause between copy chunks (throttle)
     * @param cutOverLockMillis longest the cut-over may block writes before it backs off and retries
     * @param cutOverAttempts   cut-over attempts before the shard fails
     */
    public record Settings(int chunkRows, long chunkPauseMillis, long cutOverLockMillis, int cutOverAttempts) {
        public static final Settings DEFAULTS = new Settings(1000, 5, 2000, 5);
    }

    private final ShardMap map;
    private final int chunk;
    private final long pauseMillis;
    private final long lockMillis;
    private final int attempts;

    public ShadowCopy(ShardMap map, Settings settings) {
        this.map = map;
        this.chunk = Math.max(1, settings.chunkRows());
        this.pauseMillis = Math.max(0, settings.chunkPauseMillis());
        this.lockMillis = Math.max(100, settings.cutOverLockMillis());
        this.attempts = Math.max(1, settings.cutOverAttempts());
    }

    public static String shadowName(String table) {
        return "_" + table + "_gho";
    }

    public static String oldName(String table) {
        return "_" + table + "_del";
    }

    /** Drops a shadow table and a kept old table of {@code table} on one shard (finishing, cancelling). */
    public static void dropLeftovers(DataSource db, String table) throws SQLException {
        exec(db, "DROP TABLE IF EXISTS " + TableShape.q(shadowName(table)) + ", " + TableShape.q(oldName(table)));
    }

    /** Copies that meet the shard switching over before one gets through (each about a second apart). */
    private static final int SWITCHOVER_ATTEMPTS = 30;

    /**
     * Runs the change on one shard; a rerun (after a restart) starts this shard's copy again from scratch. A copy that
     * meets the shard switching over (its primary made read-only, its pool replaced, the binary log it reads no longer
     * the primary's) starts again on the new primary, where the shadow table's rows so far went by replication.
     */
    public Outcome run(String shard, String table, String ddl, Control control) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return runOnce(shard, table, ddl, control);
            } catch (Stopped | InterruptedException e) {
                throw e;
            } catch (Exception e) {
                if (attempt >= SWITCHOVER_ATTEMPTS || !BinlogStream.switchingOver(e)) {
                    throw e;
                }
                LOG.info("sharding: shadow copy of {} on {} met a switchover ({}); copying again on the primary", table, shard, e.getMessage());
                Thread.sleep(1000);
                if (!control.proceed()) {
                    throw new Stopped();
                }
                map.reload();
            }
        }
    }

    private Outcome runOnce(String shard, String table, String ddl, Control control) throws Exception {
        DataSource db = map.shard(shard);
        String gho = shadowName(table);
        dropLeftovers(db, table);
        exec(db, "CREATE TABLE " + TableShape.q(gho) + " LIKE " + TableShape.q(table));
        BinlogStream stream = null;
        boolean swapped = false;
        try {
            exec(db, DdlCheck.retarget(ddl, gho));
            TableShape src;
            TableShape dst;
            try (Connection c = PoolWait.connection(db)) {
                src = TableShape.read(c, table, map.settings().tenantColumn());
                dst = TableShape.read(c, gho, map.settings().tenantColumn());
            }
            TableShape.Mapping m = src.mapTo(dst);
            Gtid from = ShardPositions.gtid(map, shard);
            String key = table.toLowerCase(Locale.ROOT);
            stream = new BinlogStream(ServerAddress.of(map.topology().shards().get(shard).url()), map.settings().user(), map.settings().password(), Map.of(key, src),
                    Map.of(key, m), List.of(new BinlogStream.Destination(shard, () -> db, null)), () -> Set.of(), from, p -> {
                    });
            stream.start();
            long total = estimatedRows(db, table);
            long copied = copy(db, src, m, gho, control, total, stream);
            control.progress("catch-up", copied, total);
            catchUp(stream, shard, control);
            control.progress("cut-over", copied, total);
            Outcome o = cutOver(db, shard, table, src, stream, control, copied, total);
            swapped = true;
            return o;
        } finally {
            if (stream != null) {
                stream.close();
            }
            if (!swapped) {
                try {
                    exec(db, "DROP TABLE IF EXISTS " + TableShape.q(gho));
                } catch (SQLException e) {
                    LOG.warn("sharding: cannot drop {} on {}: {}", gho, shard, e.getMessage());
                }
            }
        }
    }

    private long copy(DataSource db, TableShape src, TableShape.Mapping m, String gho, Control control, long total, BinlogStream stream) throws Exception {
        long copied = 0;
        List<Object> last = null;
        while (true) {
            if (!control.proceed()) {
                throw new Stopped();
            }
            check(stream);
            List<Object> end = chunkEnd(db, src, last);
            List<Object> params = new ArrayList<>();
            if (last != null) {
                params.addAll(last);
            }
            if (end != null) {
                params.addAll(end);
            }
            try (Connection c = PoolWait.connection(db); PreparedStatement ps = c.prepareStatement(copySql(src, m, gho, last != null, end != null))) {
                RowCopier.bind(ps, params);
                copied += ps.executeUpdate();
            }
            control.progress("copy", copied, Math.max(total, copied));
            if (end == null) {
                return copied;
            }
            last = end;
            if (pauseMillis > 0) {
                Thread.sleep(pauseMillis);
            }
        }
    }

    /** The key of the last row of the chunk after {@code last}, or null when fewer than a chunk remain (the last chunk is open-ended). */
    private List<Object> chunkEnd(DataSource db, TableShape t, List<Object> last) throws SQLException {
        try (Connection c = PoolWait.connection(db); PreparedStatement ps = c.prepareStatement(chunkEndSql(t, last != null, chunk))) {
            if (last != null) {
                RowCopier.bind(ps, last);
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                List<Object> key = new ArrayList<>();
                for (int i = 0; i < t.primaryKey().size(); i++) {
                    key.add(rs.getObject(i + 1));
                }
                return key;
            }
        }
    }

    static String chunkEndSql(TableShape t, boolean after, int chunk) {
        return "SELECT " + t.pkList() + " FROM " + TableShape.q(t.table()) + (after ? " WHERE (" + t.pkList() + ") > (" + marks(t) + ")" : "")
                + " ORDER BY " + t.pkList() + " LIMIT 1 OFFSET " + (chunk - 1);
    }

    /** One chunk: the rows with {@code from < key <= to} (either bound may be absent), columns matched by name. */
    static String copySql(TableShape src, TableShape.Mapping m, String into, boolean from, boolean to) {
        String cols = String.join(", ", m.columns().stream().map(TableShape::q).toList());
        List<String> where = new ArrayList<>();
        if (from) {
            where.add("(" + src.pkList() + ") > (" + marks(src) + ")");
        }
        if (to) {
            where.add("(" + src.pkList() + ") <= (" + marks(src) + ")");
        }
        return "INSERT IGNORE INTO " + TableShape.q(into) + " (" + cols + ") SELECT " + cols + " FROM " + TableShape.q(src.table())
                + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where));
    }

    private static String marks(TableShape t) {
        return String.join(", ", t.primaryKey().stream().map(k -> "?").toList());
    }

    private void catchUp(BinlogStream stream, String shard, Control control) throws Exception {
        Gtid target = ShardPositions.gtid(map, shard);
        while (!stream.position().covers(target)) {
            check(stream);
            stream.requirePrimary(shard, map.topology().shards().get(shard).url());
            if (!control.proceed()) {
                throw new Stopped();
            }
            Thread.sleep(20);
        }
        check(stream);
    }

    private Outcome cutOver(DataSource db, String shard, String table, TableShape src, BinlogStream stream, Control control, long copied, long total)
            throws Exception {
        long longest = 0;
        boolean verify = total <= VERIFY_MAX_ROWS;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            if (!control.proceed()) {
                throw new Stopped();
            }
            catchUp(stream, shard, control);
            long[] blocked = new long[1];
            String verified = tryCutOver(db, table, stream, verify, blocked);
            longest = Math.max(longest, blocked[0]);
            if (verified != null) {
                LOG.info("sharding: shadow cut-over of {} on {} blocked writes {} ms (attempt {})", table, shard, blocked[0], attempt);
                return new Outcome(copied, longest, attempt, verified);
            }
            LOG.info("sharding: shadow cut-over of {} on {} backed off after {} ms (attempt {})", table, shard, blocked[0], attempt);
            Thread.sleep(200L * attempt);
        }
        throw new IllegalStateException("the cut-over could not finish within " + lockMillis + " ms in " + attempts + " attempts (longest block "
                + longest + " ms); the table is untouched");
    }

    /**
     * One cut-over attempt: how the copy was verified when the tables were swapped, null when it backed off (nothing
     * changed). The rename must queue on the table itself while the lock is held: MariaDB takes a RENAME's metadata locks
     * in name order and {@code _<table>_...} sorts before {@code <table>}, so with gh-ost's sentry (a locked
     * {@code _<table>_del}) the rename waits on the sentry, and once the sentry is dropped the unlock can come before the
     * rename has queued on the table: a waiting write then reaches the old table (ShardingIT lost one write that way).
     * Without a sentry the rename's only wait is the table; its pending exclusive lock goes before the waiting writes.
     * Backing off kills the queued rename before unlocking.
     */
    private String tryCutOver(DataSource db, String table, BinlogStream stream, boolean verify, long[] blocked) throws Exception {
        String t = TableShape.q(table);
        String gho = TableShape.q(shadowName(table));
        String del = TableShape.q(oldName(table));
        long lockSeconds = Math.max(1, (lockMillis + 999) / 1000);
        CompletableFuture<Void> renaming = null;
        // every connection the cut-over needs is taken before the lock: none is waited for while writers are blocked
        try (Connection lock = PoolWait.connection(db); Connection rename = PoolWait.connection(db); Connection probe = PoolWait.connection(db)) {
            long renameId;
            try (Statement s = rename.createStatement(); ResultSet rs = s.executeQuery("SELECT CONNECTION_ID()")) {
                rs.next();
                renameId = rs.getLong(1);
            }
            exec(rename, "SET SESSION lock_wait_timeout = " + (lockSeconds + 5));
            exec(lock, "SET SESSION lock_wait_timeout = " + lockSeconds);
            boolean locked = false;
            long started = System.nanoTime();
            long deadline = started + TimeUnit.MILLISECONDS.toNanos(lockMillis);
            try {
                exec(lock, "LOCK TABLES " + t + " READ");
                locked = true;
                Gtid p;
                try (Statement s = lock.createStatement(); ResultSet rs = s.executeQuery("SELECT @@gtid_binlog_pos")) {
                    rs.next();
                    p = Gtid.parse(rs.getString(1));
                }
                while (!stream.position().covers(p)) {
                    check(stream);
                    if (System.nanoTime() > deadline) {
                        return null;
                    }
                    Thread.sleep(2);
                }
                check(stream);
                String verified = verify ? verify(probe, table, shadowName(table)) : "not verified (over " + VERIFY_MAX_ROWS + " rows)";
                renaming = CompletableFuture.runAsync(() -> {
                    try {
                        exec(rename, "RENAME TABLE " + t + " TO " + del + ", " + gho + " TO " + t);
                    } catch (SQLException e) {
                        throw new IllegalStateException(e.getMessage(), e);
                    }
                });
                while (!waitsForLock(probe, renameId)) {
                    if (renaming.isDone() || System.nanoTime() > deadline) {
                        return null;
                    }
                    Thread.sleep(1);
                }
                exec(lock, "UNLOCK TABLES");
                locked = false;
                renaming.get(lockSeconds + 10, TimeUnit.SECONDS);
                blocked[0] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                return verified;
            } catch (SQLException e) {
                if (e.getErrorCode() == 1205) { // lock wait timeout: writers held the table too long
                    return null;
                }
                throw e;
            } finally {
                if (locked) {
                    if (renaming != null && !renaming.isDone()) {
                        exec(probe, "KILL QUERY " + renameId); // while the lock holds, the rename cannot have run
                    }
                    if (renaming != null) {
                        try {
                            renaming.get(lockSeconds + 10, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            LOG.debug("sharding: the backed-off rename failed as it should: {}", e.getMessage());
                        }
                    }
                    exec(lock, "UNLOCK TABLES");
                }
                if (blocked[0] == 0) {
                    blocked[0] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                }
                // pooled connections go back with the server's lock wait again
                exec(lock, "SET SESSION lock_wait_timeout = DEFAULT");
                exec(rename, "SET SESSION lock_wait_timeout = DEFAULT");
            }
        }
    }

    private static boolean waitsForLock(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT STATE FROM information_schema.PROCESSLIST WHERE ID = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getString(1) != null && rs.getString(1).toLowerCase(Locale.ROOT).contains("metadata lock");
            }
        }
    }

    /** Row count and checksum of the columns the change left as they were, equal on both tables, or IllegalStateException. */
    private static String verify(Connection c, String table, String shadow) throws SQLException {
        List<String> same = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT a.COLUMN_NAME FROM information_schema.COLUMNS a"
                + " JOIN information_schema.COLUMNS b ON b.TABLE_SCHEMA = a.TABLE_SCHEMA AND b.TABLE_NAME = ? AND b.COLUMN_NAME = a.COLUMN_NAME"
                + " AND b.COLUMN_TYPE = a.COLUMN_TYPE AND IFNULL(b.COLLATION_NAME, '') = IFNULL(a.COLLATION_NAME, '')"
                + " WHERE a.TABLE_SCHEMA = DATABASE() AND a.TABLE_NAME = ? ORDER BY a.ORDINAL_POSITION")) {
            ps.setString(1, shadow);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    same.add(rs.getString(1));
                }
            }
        }
        String a = checksum(c, table, same);
        String b = checksum(c, shadow, same);
        if (!a.equals(b)) {
            throw new IllegalStateException("the shadow copy differs from the table: " + a + " vs " + b + "; the table is untouched");
        }
        return "verified " + a;
    }

    static String checksumSql(String table, List<String> columns) {
        String row = columns.isEmpty() ? "0" : "CRC32(CONCAT_WS('|', " + String.join(", ", columns.stream().map(col -> "IFNULL(" + TableShape.q(col)
                + ", '\\\\N')").toList()) + "))";
        return "SELECT COUNT(*), COALESCE(BIT_XOR(" + row + "), 0), COALESCE(SUM(" + row + "), 0) FROM " + TableShape.q(table);
    }

    private static String checksum(Connection c, String table, List<String> columns) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(checksumSql(table, columns))) {
            rs.next();
            return rs.getLong(1) + " rows, crc " + Long.toHexString(rs.getLong(2)) + "/" + rs.getString(3);
        }
    }

    private static long estimatedRows(DataSource db, String table) throws SQLException {
        try (Connection c = PoolWait.connection(db); PreparedStatement ps = c.prepareStatement(
                "SELECT COALESCE(TABLE_ROWS, 0) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    private static void check(BinlogStream stream) {
        if (stream.failure() != null) {
            throw new IllegalStateException("binlog replay into the shadow table stopped: " + stream.failure(), stream.failure());
        }
    }

    private static void exec(DataSource db, String sql) throws SQLException {
        try (Connection c = PoolWait.connection(db)) {
            exec(c, sql);
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
