package io.headroom.sharding.internal.move;

import io.headroom.sharding.internal.core.MoveState;
import io.headroom.sharding.internal.core.TenantFilter;
import io.headroom.sharding.internal.core.Topology;
import io.headroom.sharding.internal.move.BinlogStream.Position;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one move through its states, reading the record from the control schema at every step so that a runner
 * started after a restart continues where the last one stopped: copying is rerunnable, replay resumes from the last
 * committed binlog position, and routing only ever changes in the transaction that also records the new state.
 */
final class MoveRunner {
    private static final Logger LOG = LoggerFactory.getLogger(MoveRunner.class);

    private record Record(String kind, String subject, String source, Map<String, TenantFilter> targets, MoveState state,
            String requested, String prevPin, String sourceRange, Position fwdPos, Map<String, Position> revPos) {
        /** The tenants whose routing changes: the one tenant, or the source's whole range (pinned tenants excepted). */
        TenantFilter fence() {
            return kind.equals("move") ? TenantFilter.tenant(subject) : TenantFilter.parse("range:" + sourceRange);
        }
    }

    private final Moves moves;
    private final MoveHost host;
    private final long id;
    private final RowCopier copier;
    private Thread thread;
    private volatile boolean stopped;
    private BinlogStream forward;
    private final Map<String, BinlogStream> reverse = new ConcurrentHashMap<>();
    private final Map<String, Position> revCommitted = new ConcurrentHashMap<>();
    private volatile long lastPersist;
    private int verifyAttempts;

    MoveRunner(Moves moves, long id) {
        this.moves = moves;
        this.host = moves.host;
        this.id = id;
        this.copier = new RowCopier(host.tenantColumn(), moves.chunk, moves.chunkPauseMillis);
    }

    void start() {
        thread = new Thread(this::run, "headroom-move-" + id);
        thread.setDaemon(true);
        thread.start();
    }

    void stop() {
        stopped = true;
        if (thread != null) {
            thread.interrupt();
        }
        closeStreams();
    }

    private void run() {
        int failures = 0;
        try {
            while (!stopped) {
                try {
                    Record m = load();
                    renewLease();
                    if (m.state().terminal() || m.state() == MoveState.FAILED) {
                        return;
                    }
                    if ("cancel".equals(m.requested())) {
                        if (m.state() == MoveState.CUT_OVER) {
                            update("UPDATE shard_moves SET state = 'REVERSING', requested = NULL WHERE id = ? AND state = 'CUT_OVER'");
                            continue;
                        }
                        if (m.state() != MoveState.REVERSING) {
                            abort(m);
                            return;
                        }
                    }
                    if ("cleanup".equals(m.requested()) && m.state() == MoveState.CUT_OVER) {
                        finish(m);
                        return;
                    }
                    switch (m.state()) {
                        case COPYING -> copy(m);
                        case CATCHING_UP -> catchUp(m);
                        case CUTTING_OVER -> cutOver(m);
                        case CUT_OVER -> {
                            ensureReverse(m);
                            if (graceOver()) {
                                finish(m);
                                return;
                            }
                            Thread.sleep(200);
                        }
                        case REVERSING -> {
                            if (reverseBack(m)) {
                                return;
                            }
                        }
                        default -> {
                            return;
                        }
                    }
                    failures = 0;
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    if (stopped) {
                        return;
                    }
                    failures++;
                    LOG.warn("sharding: move {} step failed ({} in a row): {}", id, failures, e.toString());
                    recordError(e);
                    Record m = safeLoad();
                    boolean beforeCutOver = m != null && (m.state() == MoveState.COPYING || m.state() == MoveState.CATCHING_UP
                            || m.state() == MoveState.CUTTING_OVER);
                    if (failures >= 5 && beforeCutOver) {
                        fail(m, e);
                        return;
                    }
                    closeStreams(); // restart the streams from the recorded positions
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        } finally {
            closeStreams();
            moves.finished(id);
        }
    }

    // ---------------------------------------------------------------- steps

    private void copy(Record m) throws Exception {
        update("UPDATE shard_moves SET copied = 0 WHERE id = ?");
        DataSource source = host.shard(m.source());
        for (String table : host.shardedTables()) {
            TableShape shape = shape(source, table);
            for (Map.Entry<String, TenantFilter> t : m.targets().entrySet()) {
                DataSource target = host.shard(t.getKey());
                shape(target, table); // the table must exist on the target with the same shape
                copier.copy(source, target, shape, t.getValue(), pinned(), n -> addCopied(n), () -> stopped || cancelRequested());
            }
        }
        if (!stopped && !cancelRequested()) {
            transition(MoveState.COPYING, MoveState.CATCHING_UP);
        }
    }

    private void catchUp(Record m) throws Exception {
        ensureForward(m);
        while (!stopped && !cancelRequested()) {
            checkStream(forward);
            Position master = masterPosition(host, m.source());
            Position seen = forward.seen();
            if (seen.compareTo(master) >= 0 || seen.file().equals(master.file()) && master.position() - seen.position() < 64 * 1024) {
                transition(MoveState.CATCHING_UP, MoveState.CUTTING_OVER);
                return;
            }
            renewLease();
            Thread.sleep(100);
        }
    }

    private void cutOver(Record m) throws Exception {
        ensureForward(m);
        TenantFilter fence = m.fence();
        fence(fence);
        settle(fence);
        Position end = masterPosition(host, m.source());
        awaitSeen(forward, end);
        String verification = verify(m);
        if (verification.contains("MISMATCH")) {
            verifyAttempts++;
            recordVerification(verification);
            if (verifyAttempts >= 3) {
                throw new IllegalStateException("verification failed 3 times: " + verification);
            }
            host.change(c -> exec(c, "DELETE FROM shard_fences WHERE move_id = ?", id));
            host.reload();
            transition(MoveState.CUTTING_OVER, MoveState.CATCHING_UP);
            return;
        }
        Map<String, Position> rev = new LinkedHashMap<>();
        for (String t : m.targets().keySet()) {
            rev.put(t, masterPosition(host, t));
        }
        host.change(c -> {
            if (m.kind().equals("move")) {
                String target = m.targets().keySet().iterator().next();
                exec(c, "INSERT INTO shard_pins (tenant, shard) VALUES (?, ?) ON DUPLICATE KEY UPDATE shard = VALUES(shard)", m.subject(), target);
            } else {
                List<String> t = new ArrayList<>(m.targets().keySet());
                exec(c, "UPDATE shard_shards SET key_range = NULL WHERE name = ?", m.source());
                for (String s : t) {
                    exec(c, "UPDATE shard_shards SET key_range = ? WHERE name = ?", m.targets().get(s).range().toString(), s);
                }
            }
            exec(c, "DELETE FROM shard_fences WHERE move_id = ?", id);
            int n = exec(c, "UPDATE shard_moves SET state = 'CUT_OVER', rev_pos = ?, verification = ?, error = NULL,"
                    + " grace_until = NOW(3) + INTERVAL " + moves.graceMillis * 1000 + " MICROSECOND WHERE id = ? AND state = 'CUTTING_OVER'",
                    encode(rev), verification, id);
            if (n != 1) {
                throw new SQLException("move " + id + " changed state during cut-over");
            }
        });
        host.reload();
        if (forward != null) {
            forward.close();
            forward = null;
        }
        LOG.info("sharding: move {} cut over ({})", id, verification);
    }

    /** Routes back to the source (within the grace period); true when done. */
    private boolean reverseBack(Record m) throws Exception {
        ensureReverse(m);
        TenantFilter fence = m.fence();
        fence(fence);
        settle(fence);
        for (String t : m.targets().keySet()) {
            awaitSeen(reverse.get(t), masterPosition(host, t));
        }
        String verification = verify(m);
        if (verification.contains("MISMATCH")) {
            recordVerification(verification);
            host.change(c -> {
                exec(c, "DELETE FROM shard_fences WHERE move_id = ?", id);
                exec(c, "UPDATE shard_moves SET state = 'CUT_OVER' WHERE id = ? AND state = 'REVERSING'", id);
            });
            host.reload();
            return false;
        }
        host.change(c -> {
            if (m.kind().equals("move")) {
                if (m.prevPin() == null) {
                    exec(c, "DELETE FROM shard_pins WHERE tenant = ?", m.subject());
                } else {
                    exec(c, "UPDATE shard_pins SET shard = ? WHERE tenant = ?", m.prevPin(), m.subject());
                }
            } else {
                exec(c, "UPDATE shard_shards SET key_range = ? WHERE name = ?", m.sourceRange(), m.source());
                for (String s : m.targets().keySet()) {
                    exec(c, "UPDATE shard_shards SET key_range = NULL WHERE name = ?", s);
                }
            }
            exec(c, "DELETE FROM shard_fences WHERE move_id = ?", id);
            exec(c, "UPDATE shard_moves SET state = 'REVERSED', requested = NULL, verification = ? WHERE id = ? AND state = 'REVERSING'", verification, id);
        });
        host.reload();
        closeStreams();
        for (Map.Entry<String, TenantFilter> t : m.targets().entrySet()) {
            deleteRows(host.shard(t.getKey()), t.getValue());
        }
        return true;
    }

    private void finish(Record m) throws Exception {
        closeStreams();
        DataSource source = host.shard(m.source());
        for (TenantFilter f : m.targets().values()) {
            deleteRows(source, f);
        }
        update("UPDATE shard_moves SET state = 'DONE', requested = NULL WHERE id = ? AND state = 'CUT_OVER'");
    }

    private void abort(Record m) throws Exception {
        closeStreams();
        host.change(c -> exec(c, "DELETE FROM shard_fences WHERE move_id = ?", id));
        host.reload();
        for (Map.Entry<String, TenantFilter> t : m.targets().entrySet()) {
            deleteRows(host.shard(t.getKey()), t.getValue());
        }
        update("UPDATE shard_moves SET state = 'CANCELLED', requested = NULL WHERE id = ?");
    }

    /** For a FAILED move no runner owns: cancel it (before cut-over, so the copies are deleted and routing is untouched). */
    void abandon() {
        try {
            Record m = load();
            if (m.state() == MoveState.FAILED) {
                abort(m);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot cancel move " + id + ": " + e.getMessage(), e);
        }
    }

    private void fail(Record m, Exception e) {
        try {
            host.change(c -> {
                exec(c, "DELETE FROM shard_fences WHERE move_id = ?", id);
                exec(c, "UPDATE shard_moves SET state = 'FAILED', error = ? WHERE id = ?", String.valueOf(e), id);
            });
            host.reload();
        } catch (SQLException x) {
            LOG.warn("sharding: cannot record move {} as failed: {}", id, x.getMessage());
        }
    }

    // ---------------------------------------------------------------- helpers

    private void fence(TenantFilter f) throws SQLException {
        host.change(c -> exec(c, "INSERT IGNORE INTO shard_fences (move_id, filter_spec) VALUES (?, ?)", id, f.toString()));
        host.reload();
    }

    /**
     * Waits until every live node serves the routing version that carries the fence and has finished the statements
     * it admitted before (each node acks only then), and until this node's own are done.
     */
    private void settle(TenantFilter f) throws InterruptedException, SQLException {
        host.awaitVersionSeen(host.routingVersionNow());
        long deadline = System.currentTimeMillis() + 30_000;
        while (host.inFlight(f) && System.currentTimeMillis() < deadline) {
            Thread.sleep(2);
        }
    }

    private void awaitSeen(BinlogStream s, Position end) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (s.seen().compareTo(end) < 0) {
            checkStream(s);
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("binlog replay did not reach " + end + " (at " + s.seen() + ")");
            }
            Thread.sleep(5);
        }
        checkStream(s);
    }

    private String verify(Record m) throws SQLException {
        StringBuilder out = new StringBuilder();
        DataSource source = host.shard(m.source());
        Set<String> pinned = pinned();
        boolean ok = true;
        for (Map.Entry<String, TenantFilter> t : m.targets().entrySet()) {
            for (String table : host.shardedTables()) {
                TableShape shape = shape(source, table);
                String a = copier.checksum(source, shape, t.getValue(), pinned);
                String b = copier.checksum(host.shard(t.getKey()), shape, t.getValue(), pinned);
                boolean same = a.equals(b);
                ok &= same;
                out.append(out.length() == 0 ? "" : "; ").append(t.getKey()).append('.').append(table).append(": ")
                        .append(same ? a + " (equal)" : "MISMATCH source " + a + " target " + b);
            }
        }
        return (ok ? "verified: " : "") + out;
    }

    private void deleteRows(DataSource db, TenantFilter f) throws SQLException {
        for (String table : host.shardedTables()) {
            copier.delete(db, shape(db, table), f, pinned());
        }
    }

    private TableShape shape(DataSource db, String table) throws SQLException {
        try (Connection c = db.getConnection()) {
            return TableShape.read(c, table, host.tenantColumn());
        }
    }

    private Map<String, TableShape> shapes(DataSource db) throws SQLException {
        Map<String, TableShape> out = new HashMap<>();
        for (String table : host.shardedTables()) {
            out.put(table.toLowerCase(Locale.ROOT), shape(db, table));
        }
        return out;
    }

    private Set<String> pinned() {
        return host.topology().pins().keySet();
    }

    private void ensureForward(Record m) throws Exception {
        if (forward != null) {
            return;
        }
        Topology.ShardDef src = host.topology().shards().get(m.source());
        List<BinlogStream.Destination> dests = new ArrayList<>();
        m.targets().forEach((s, f) -> dests.add(new BinlogStream.Destination(s, host.shard(s), f)));
        BinlogStream s = new BinlogStream(ServerAddress.of(src.url()), host.user(), host.password(), shapes(host.shard(m.source())), dests,
                this::pinned, m.fwdPos(), p -> persist("fwd_pos", p.toString()));
        s.start();
        forward = s;
    }

    private void ensureReverse(Record m) throws Exception {
        for (Map.Entry<String, TenantFilter> t : m.targets().entrySet()) {
            if (reverse.containsKey(t.getKey())) {
                continue;
            }
            Position from = m.revPos().get(t.getKey());
            if (from == null) {
                throw new IllegalStateException("no reverse position recorded for " + t.getKey());
            }
            Topology.ShardDef target = host.topology().shards().get(t.getKey());
            String name = t.getKey();
            BinlogStream s = new BinlogStream(ServerAddress.of(target.url()), host.user(), host.password(), shapes(host.shard(name)),
                    List.of(new BinlogStream.Destination(m.source(), host.shard(m.source()), t.getValue())), this::pinned, from, p -> {
                        revCommitted.put(name, p);
                        Map<String, Position> all = new LinkedHashMap<>(m.revPos());
                        all.putAll(revCommitted);
                        persist("rev_pos", encode(all));
                    });
            s.start();
            reverse.put(name, s);
        }
        for (BinlogStream s : reverse.values()) {
            checkStream(s);
        }
    }

    private static void checkStream(BinlogStream s) throws Exception {
        if (s.failure() != null) {
            throw new IllegalStateException("binlog replay stopped: " + s.failure(), s.failure());
        }
    }

    private void closeStreams() {
        if (forward != null) {
            forward.close();
            forward = null;
        }
        reverse.values().forEach(BinlogStream::close);
        reverse.clear();
    }

    static Position masterPosition(MoveHost host, String shard) throws SQLException {
        try (Connection c = host.shard(shard).getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW MASTER STATUS")) {
            if (!rs.next()) {
                throw new IllegalStateException("shard " + shard + "'s server has no binary log: start it with --log-bin --binlog-format=ROW");
            }
            return new Position(rs.getString(1), rs.getLong(2));
        }
    }

    private static String encode(Map<String, Position> positions) {
        StringBuilder b = new StringBuilder();
        positions.forEach((s, p) -> b.append(b.length() == 0 ? "" : ";").append(s).append('=').append(p));
        return b.toString();
    }

    private static Map<String, Position> decode(String text) {
        Map<String, Position> out = new LinkedHashMap<>();
        if (text != null && !text.isEmpty()) {
            for (String part : text.split(";")) {
                int eq = part.indexOf('=');
                out.put(part.substring(0, eq), Position.parse(part.substring(eq + 1)));
            }
        }
        return out;
    }

    private Record load() throws SQLException {
        try (Connection c = host.control().getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT kind, subject, source, targets, state, requested, prev_pin, source_range, fwd_pos, rev_pos FROM shard_moves WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("move " + id + " is gone");
                }
                Map<String, TenantFilter> targets = new LinkedHashMap<>();
                for (String t : rs.getString(4).split(",")) {
                    int eq = t.indexOf('=');
                    targets.put(t.substring(0, eq), TenantFilter.parse(t.substring(eq + 1)));
                }
                return new Record(rs.getString(1), rs.getString(2), rs.getString(3), targets, MoveState.valueOf(rs.getString(5)),
                        rs.getString(6), rs.getString(7), rs.getString(8), Position.parse(rs.getString(9)), decode(rs.getString(10)));
            }
        }
    }

    private Record safeLoad() {
        try {
            return load();
        } catch (Exception e) {
            return null;
        }
    }

    private boolean cancelRequested() {
        try (Connection c = host.control().getConnection(); PreparedStatement ps = c.prepareStatement("SELECT requested FROM shard_moves WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && "cancel".equals(rs.getString(1));
            }
        } catch (SQLException e) {
            return false;
        }
    }

    private boolean graceOver() throws SQLException {
        try (Connection c = host.control().getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT grace_until IS NOT NULL AND grace_until < NOW(3) FROM shard_moves WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private void transition(MoveState from, MoveState to) throws SQLException {
        from.to(to);
        int n;
        try (Connection c = host.control().getConnection()) {
            n = exec(c, "UPDATE shard_moves SET state = ? WHERE id = ? AND state = ?", to.name(), id, from.name());
        }
        if (n != 1) {
            throw new IllegalStateException("move " + id + " was not " + from + " any more");
        }
    }

    private void renewLease() throws SQLException {
        try (Connection c = host.control().getConnection()) {
            exec(c, "UPDATE shard_moves SET lease_until = NOW(3) + INTERVAL 10 SECOND, applied = ? WHERE id = ? AND owner = ?",
                    appliedEvents(), id, moves.node);
        }
    }

    private long appliedEvents() {
        long n = forward == null ? 0 : forward.applied();
        for (BinlogStream s : reverse.values()) {
            n += s.applied();
        }
        return n;
    }

    private void addCopied(long n) {
        try (Connection c = host.control().getConnection()) {
            exec(c, "UPDATE shard_moves SET copied = copied + ?, lease_until = NOW(3) + INTERVAL 10 SECOND WHERE id = ?", n, id);
        } catch (SQLException e) {
            LOG.debug("sharding: cannot record copy progress: {}", e.getMessage());
        }
    }

    private void persist(String column, String value) {
        long now = System.currentTimeMillis();
        if (now - lastPersist < 300) {
            return;
        }
        lastPersist = now;
        try (Connection c = host.control().getConnection()) {
            exec(c, "UPDATE shard_moves SET " + column + " = ? WHERE id = ?", value, id);
        } catch (SQLException e) {
            LOG.debug("sharding: cannot record the binlog position: {}", e.getMessage());
        }
    }

    private void recordError(Exception e) {
        try (Connection c = host.control().getConnection()) {
            exec(c, "UPDATE shard_moves SET error = ? WHERE id = ?", String.valueOf(e), id);
        } catch (SQLException x) {
            LOG.debug("sharding: cannot record the error: {}", x.getMessage());
        }
    }

    private void recordVerification(String v) throws SQLException {
        try (Connection c = host.control().getConnection()) {
            exec(c, "UPDATE shard_moves SET verification = ? WHERE id = ?", v, id);
        }
    }

    private void update(String sql) throws SQLException {
        try (Connection c = host.control().getConnection()) {
            exec(c, sql, id);
        }
    }

    private static int exec(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps.executeUpdate();
        }
    }
}
