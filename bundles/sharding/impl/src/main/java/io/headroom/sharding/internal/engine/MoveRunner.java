package io.headroom.sharding.internal.engine;

import io.headroom.core.api.fleet.Lease;
import io.headroom.core.api.fleet.LeasedRunner;
import io.headroom.sharding.internal.ShardMap;
import io.headroom.sharding.internal.core.Gtid;
import io.headroom.sharding.internal.core.MovePlan;
import io.headroom.sharding.internal.core.MoveRequest;
import io.headroom.sharding.internal.core.MoveState;
import io.headroom.sharding.internal.core.ReplayLag;
import io.headroom.sharding.internal.core.TenantFilter;
import io.headroom.sharding.internal.core.Topology;
import io.headroom.sharding.internal.store.MoveRecord;
import io.headroom.sharding.internal.store.MoveStore;
import io.headroom.sharding.internal.store.TopologyStore;
import java.sql.Connection;
import java.sql.SQLException;
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
 * Drives one move through its states while this node holds the move's lease, reading the record from the control
 * schema at every step so that a runner started after a restart (here or on another node) continues where the last
 * one stopped: copying is rerunnable, replay resumes from the last committed GTID position (on whichever server is the
 * shard's primary then: a switchover or failover of the source or a target only reopens the replay), and routing only ever
 * changes in the transaction that also records the new state. Every write to the control schema checks the lease; the
 * lease is checked between chunks, and a runner that lost it stops without writing anything more.
 */
public final class MoveRunner extends LeasedRunner {
    private static final Logger LOG = LoggerFactory.getLogger(MoveRunner.class);

    /** How the node runs moves: grace period after cut-over, rows per chunk, pause between copy chunks. */
    public record Settings(long graceMillis, int chunkRows, long chunkPauseMillis) {
    }

    private final ShardMap map;
    private final MoveStore store;
    private final long id;
    private final Settings settings;
    private final RowCopier copier;
    private BinlogStream forward;
    private final Map<String, BinlogStream> reverse = new ConcurrentHashMap<>();
    /** The latest positions the streams read (recorded at most every 300 ms): where a reopened stream starts. */
    private volatile Gtid fwdCommitted;
    private final Map<String, Gtid> revCommitted = new ConcurrentHashMap<>();
    private volatile long lastPersist;
    private long lastApplied = -1;
    private long lastLagAt;
    private ReplayLag.Lag lastLag;
    private int verifyAttempts;

    /**
     * Before a transaction's worth of replay is this far behind the source's position, catching up hands over to the
     * cut-over (which fences the tenant and replays the rest).
     */
    private static final long CLOSE_ENOUGH_TRANSACTIONS = 100;
    /** Failed steps in a row that only met a shard switching over (its primary read-only, its pool replaced) before FAILED. */
    private static final int MAX_SWITCHING_FAILURES = 60;

    public MoveRunner(ShardMap map, MoveStore store, Lease lease, long id, Settings settings) {
        super(lease, "headroom-move-" + id);
        this.map = map;
        this.store = store;
        this.id = id;
        this.settings = settings;
        this.copier = new RowCopier(map.settings().tenantColumn(), settings.chunkRows(), settings.chunkPauseMillis());
    }

    @Override
    protected void work() {
        int failures = 0;
        int switching = 0;
        try {
            while (!halted()) {
                try {
                    MoveRecord m = store.load(id);
                    recordApplied();
                    recordLag(m);
                    if (m.state().terminal() || m.state() == MoveState.FAILED) {
                        return;
                    }
                    if (m.requested() == MoveRequest.CANCEL) {
                        if (m.state() == MoveState.CUT_OVER) {
                            store.transition(id, MoveState.CUT_OVER, MoveState.REVERSING, lease);
                            continue;
                        }
                        if (m.state() != MoveState.REVERSING) {
                            abort(m);
                            return;
                        }
                    }
                    if (m.requested() == MoveRequest.CLEANUP && m.state() == MoveState.CUT_OVER) {
                        finish(m);
                        return;
                    }
                    switch (m.state()) {
                        case COPYING -> copy(m);
                        case CATCHING_UP -> catchUp(m);
                        case CUTTING_OVER -> cutOver(m);
                        case CUT_OVER -> {
                            ensureReverse(m);
                            if (store.graceOver(id)) {
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
                    switching = 0;
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    if (halted()) {
                        return; // stopping, or another node holds the move now: nothing more is written from here
                    }
                    // a shard switching over fails a step or two (read-only old primary, replaced pool): the replay reopens on
                    // the new primary from its GTID, so those count apart and only a switchover that never ends fails the move
                    if (BinlogStream.switchingOver(e)) {
                        switching++;
                    } else {
                        failures++;
                    }
                    LOG.warn("sharding: move {} step failed ({} in a row, {} while a shard switched over): {}", id, failures, switching, e.toString());
                    recordError(e);
                    MoveRecord m = safeLoad();
                    // before cut-over a move that keeps failing stops as FAILED; after it, the target holds the live rows: retry
                    if ((failures >= 5 || switching >= MAX_SWITCHING_FAILURES) && m != null && m.state().next().contains(MoveState.FAILED)) {
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
        }
    }

    // ---------------------------------------------------------------- steps

    private void copy(MoveRecord m) throws Exception {
        store.resetCopied(id, lease);
        DataSource source = map.shard(m.plan().source());
        for (String table : map.shardedTables()) {
            TableShape shape = shape(source, table);
            for (Map.Entry<String, TenantFilter> t : m.plan().targets().entrySet()) {
                DataSource target = map.shard(t.getKey());
                shape(target, table); // the table must exist on the target with the same shape
                copier.copy(source, target, shape, t.getValue(), pinned(), n -> {
                    addCopied(n);
                    recordLag(m);
                }, () -> halted() || cancelRequested());
            }
        }
        if (!halted() && !cancelRequested()) {
            store.transition(id, MoveState.COPYING, MoveState.CATCHING_UP, lease);
        }
    }

    private void catchUp(MoveRecord m) throws Exception {
        ensureForward(m);
        while (!halted() && !cancelRequested()) {
            checkStream(forward);
            followPrimary(forward, m.plan().source());
            Gtid master = ShardPositions.gtid(map, m.plan().source());
            if (forward.position().behind(master) < CLOSE_ENOUGH_TRANSACTIONS) {
                store.transition(id, MoveState.CATCHING_UP, MoveState.CUTTING_OVER, lease);
                return;
            }
            recordApplied();
            recordLag(m);
            Thread.sleep(100);
        }
    }

    private void cutOver(MoveRecord m) throws Exception {
        ensureForward(m);
        TenantFilter fence = m.plan().fence();
        fence(fence);
        settle(fence);
        Gtid end = ShardPositions.gtid(map, m.plan().source());
        awaitSeen(forward, m.plan().source(), end);
        String verification = verify(m.plan());
        if (verification.contains("MISMATCH")) {
            verifyAttempts++;
            store.verification(id, verification, lease);
            if (verifyAttempts >= 3) {
                throw new IllegalStateException("verification failed 3 times: " + verification);
            }
            change(c -> {
                TopologyStore.unfence(c, id);
                MoveStore.transition(c, id, MoveState.CUTTING_OVER, MoveState.CATCHING_UP);
            });
            return;
        }
        Map<String, Gtid> rev = new LinkedHashMap<>();
        for (String t : m.plan().targets().keySet()) {
            rev.put(t, ShardPositions.gtid(map, t));
        }
        MovePlan p = m.plan();
        change(c -> {
            if (p.kind() == MovePlan.Kind.MOVE) {
                TopologyStore.pin(c, p.subject(), p.targets().keySet().iterator().next());
            } else {
                TopologyStore.range(c, p.source(), null);
                for (Map.Entry<String, TenantFilter> t : p.targets().entrySet()) {
                    TopologyStore.range(c, t.getKey(), t.getValue().range().toString());
                }
            }
            TopologyStore.unfence(c, id);
            MoveStore.cutOver(c, id, encode(rev), verification, settings.graceMillis());
        });
        if (forward != null) {
            forward.close();
            forward = null;
        }
        LOG.info("sharding: move {} cut over ({})", id, verification);
    }

    /** Routes back to the source (within the grace period); true when done. */
    private boolean reverseBack(MoveRecord m) throws Exception {
        ensureReverse(m);
        TenantFilter fence = m.plan().fence();
        fence(fence);
        settle(fence);
        for (String t : m.plan().targets().keySet()) {
            awaitSeen(reverse.get(t), t, ShardPositions.gtid(map, t));
        }
        String verification = verify(m.plan());
        if (verification.contains("MISMATCH")) {
            store.verification(id, verification, lease);
            change(c -> {
                TopologyStore.unfence(c, id);
                MoveStore.transition(c, id, MoveState.REVERSING, MoveState.CUT_OVER);
            });
            return false;
        }
        MovePlan p = m.plan();
        change(c -> {
            if (p.kind() == MovePlan.Kind.MOVE) {
                if (p.prevPin() == null) {
                    TopologyStore.unpin(c, p.subject());
                } else {
                    TopologyStore.pin(c, p.subject(), p.prevPin());
                }
            } else {
                TopologyStore.range(c, p.source(), p.sourceRange());
                for (String s : p.targets().keySet()) {
                    TopologyStore.range(c, s, null);
                }
            }
            TopologyStore.unfence(c, id);
            MoveStore.reversed(c, id, verification);
        });
        closeStreams();
        for (Map.Entry<String, TenantFilter> t : p.targets().entrySet()) {
            deleteRows(map.shard(t.getKey()), t.getValue());
        }
        return true;
    }

    private void finish(MoveRecord m) throws Exception {
        closeStreams();
        DataSource source = map.shard(m.plan().source());
        for (TenantFilter f : m.plan().targets().values()) {
            deleteRows(source, f);
        }
        store.transition(id, MoveState.CUT_OVER, MoveState.DONE, lease);
    }

    /** Before cut-over (or after a failure): lifts the fence, deletes the targets' copies, CANCELLED. */
    private void abort(MoveRecord m) throws Exception {
        closeStreams();
        change(c -> TopologyStore.unfence(c, id));
        for (Map.Entry<String, TenantFilter> t : m.plan().targets().entrySet()) {
            deleteRows(map.shard(t.getKey()), t.getValue());
        }
        store.transition(id, m.state(), MoveState.CANCELLED, lease);
    }

    /** Cancels a FAILED move nobody runs (the caller holds its lease): the copies are deleted, routing is untouched. */
    public void abandon() {
        try {
            MoveRecord m = store.load(id);
            if (m.state() == MoveState.FAILED) {
                abort(m);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot cancel move " + id + ": " + e.getMessage(), e);
        } finally {
            lease.close();
        }
    }

    private void fail(MoveRecord m, Exception e) {
        try {
            change(c -> {
                TopologyStore.unfence(c, id);
                MoveStore.failed(c, id, m.state(), String.valueOf(e));
            });
        } catch (SQLException | RuntimeException x) {
            LOG.warn("sharding: cannot record move {} as failed: {}", id, x.getMessage());
        }
    }

    // ---------------------------------------------------------------- helpers

    /** A change of the shard map under this move's lease, then this node serves it. */
    private void change(TopologyStore.Change work) throws SQLException {
        map.store().change(lease, work);
        map.reload();
    }

    private void fence(TenantFilter f) throws SQLException {
        change(c -> TopologyStore.fence(c, id, f));
    }

    /**
     * Waits until every live node serves the routing version that carries the fence and has finished the statements
     * it admitted before (each node acks only then), and until this node's own are done.
     */
    private void settle(TenantFilter f) throws InterruptedException, SQLException {
        map.awaitVersionSeen(map.routingVersionNow());
        long deadline = System.currentTimeMillis() + 30_000;
        while (map.inFlight(f) && System.currentTimeMillis() < deadline) {
            Thread.sleep(2);
        }
    }

    /** Waits until the replay of {@code shard}'s binary log has read every transaction up to {@code end}. */
    private void awaitSeen(BinlogStream s, String shard, Gtid end) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!s.position().covers(end)) {
            checkStream(s);
            followPrimary(s, shard);
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("binlog replay did not reach GTID " + end + " (at " + s.position() + ")");
            }
            Thread.sleep(5);
        }
        checkStream(s);
    }

    /**
     * Fails the step when {@code shard}'s primary is no longer the server the stream reads (a switchover or failover):
     * the streams are closed and reopened on the new primary from the recorded GTID positions.
     */
    private void followPrimary(BinlogStream s, String shard) {
        Topology.ShardDef def = map.topology().shards().get(shard);
        if (def != null) {
            s.requirePrimary(shard, def.url());
        }
    }

    private String verify(MovePlan p) throws SQLException {
        StringBuilder out = new StringBuilder();
        DataSource source = map.shard(p.source());
        Set<String> pinned = pinned();
        boolean ok = true;
        for (Map.Entry<String, TenantFilter> t : p.targets().entrySet()) {
            for (String table : map.shardedTables()) {
                TableShape shape = shape(source, table);
                String a = copier.checksum(source, shape, t.getValue(), pinned);
                String b = copier.checksum(map.shard(t.getKey()), shape, t.getValue(), pinned);
                boolean same = a.equals(b);
                ok &= same;
                out.append(out.length() == 0 ? "" : "; ").append(t.getKey()).append('.').append(table).append(": ")
                        .append(same ? a + " (equal)" : "MISMATCH source " + a + " target " + b);
            }
        }
        return (ok ? "verified: " : "") + out;
    }

    private void deleteRows(DataSource db, TenantFilter f) throws SQLException {
        for (String table : map.shardedTables()) {
            copier.delete(db, shape(db, table), f, pinned());
        }
    }

    private TableShape shape(DataSource db, String table) throws SQLException {
        try (Connection c = db.getConnection()) {
            return TableShape.read(c, table, map.settings().tenantColumn());
        }
    }

    private Map<String, TableShape> shapes(DataSource db) throws SQLException {
        Map<String, TableShape> out = new HashMap<>();
        for (String table : map.shardedTables()) {
            out.put(table.toLowerCase(Locale.ROOT), shape(db, table));
        }
        return out;
    }

    private Set<String> pinned() {
        return map.topology().pins().keySet();
    }

    private void ensureForward(MoveRecord m) throws Exception {
        if (forward != null) {
            return;
        }
        MovePlan p = m.plan();
        Topology.ShardDef src = map.topology().shards().get(p.source());
        List<BinlogStream.Destination> dests = new ArrayList<>();
        p.targets().forEach((s, f) -> dests.add(new BinlogStream.Destination(s, () -> map.shard(s), f)));
        BinlogStream s = new BinlogStream(ServerAddress.of(src.url()), map.settings().user(), map.settings().password(), shapes(map.shard(p.source())),
                dests, this::pinned, fwdCommitted != null ? fwdCommitted : recorded(m.fwdPos()), pos -> {
                    fwdCommitted = pos;
                    persist(() -> store.forwardPosition(id, pos.toString(), lease));
                });
        s.start();
        forward = s;
    }

    private void ensureReverse(MoveRecord m) throws Exception {
        Map<String, Gtid> recorded = decode(m.revPos());
        for (Map.Entry<String, TenantFilter> t : m.plan().targets().entrySet()) {
            BinlogStream open = reverse.get(t.getKey());
            if (open != null) {
                followPrimary(open, t.getKey());
                continue;
            }
            Gtid from = revCommitted.getOrDefault(t.getKey(), recorded.get(t.getKey()));
            if (from == null) {
                throw new IllegalStateException("no reverse position recorded for " + t.getKey());
            }
            Topology.ShardDef target = map.topology().shards().get(t.getKey());
            String name = t.getKey();
            BinlogStream s = new BinlogStream(ServerAddress.of(target.url()), map.settings().user(), map.settings().password(), shapes(map.shard(name)),
                    List.of(new BinlogStream.Destination(m.plan().source(), () -> map.shard(m.plan().source()), t.getValue())), this::pinned, from, p -> {
                        revCommitted.put(name, p);
                        Map<String, Gtid> all = new LinkedHashMap<>(recorded);
                        all.putAll(revCommitted);
                        persist(() -> store.reversePositions(id, encode(all), lease));
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

    /** A position as recorded with a move; one recorded as a binlog file position (before GTIDs) cannot be resumed. */
    private static Gtid recorded(String text) {
        try {
            return Gtid.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("the move's recorded position " + text + " is not a GTID position: cancel the move and start it again");
        }
    }

    private static String encode(Map<String, Gtid> positions) {
        StringBuilder b = new StringBuilder();
        positions.forEach((s, p) -> b.append(b.length() == 0 ? "" : ";").append(s).append('=').append(p));
        return b.toString();
    }

    private static Map<String, Gtid> decode(String text) {
        Map<String, Gtid> out = new LinkedHashMap<>();
        if (text != null && !text.isEmpty()) {
            for (String part : text.split(";")) {
                int eq = part.indexOf('=');
                out.put(part.substring(0, eq), recorded(part.substring(eq + 1)));
            }
        }
        return out;
    }

    private MoveRecord safeLoad() {
        try {
            return store.load(id);
        } catch (Exception e) {
            return null;
        }
    }

    private boolean cancelRequested() {
        try {
            return store.requested(id) == MoveRequest.CANCEL;
        } catch (SQLException e) {
            return false;
        }
    }

    /** Records the binlog events applied so far, when the count changed. */
    private void recordApplied() throws SQLException {
        long n = forward == null ? 0 : forward.applied();
        for (BinlogStream s : reverse.values()) {
            n += s.applied();
        }
        if (n != lastApplied) {
            store.applied(id, n, lease);
            lastApplied = n;
        }
    }

    /**
     * Records how far the change replay is behind, at most once a second and when it changed: the forward stream against
     * the source (catching up, cutting over), the way-back streams against the targets (after cut-over); unknown while
     * copying (nothing replays yet, and a GTID position gives no byte offset) and while a stream still reads a server that
     * is no longer its shard's primary (file offsets name nothing on another server).
     */
    private void recordLag(MoveRecord m) {
        long now = System.currentTimeMillis();
        if (now - lastLagAt < 1000) {
            return;
        }
        lastLagAt = now;
        try {
            ReplayLag.Lag lag = null;
            if (forward != null) {
                lag = ShardPositions.lag(map, forward, m.plan().source(), now);
            } else if (!reverse.isEmpty()) {
                for (Map.Entry<String, BinlogStream> r : reverse.entrySet()) {
                    ReplayLag.Lag l = ShardPositions.lag(map, r.getValue(), r.getKey(), now);
                    if (l == null) {
                        lag = null;
                        break;
                    }
                    lag = lag == null ? l : lag.plus(l);
                }
            }
            if (lag != null && !lag.equals(lastLag)) {
                store.lag(id, lag.bytes(), lag.millis(), lease);
                lastLag = lag;
            }
        } catch (SQLException | RuntimeException e) {
            LOG.debug("sharding: cannot record move {}'s replay lag: {}", id, e.getMessage());
        }
    }

    private void addCopied(long n) {
        try {
            store.addCopied(id, n, lease);
        } catch (SQLException | RuntimeException e) {
            LOG.debug("sharding: cannot record copy progress: {}", e.getMessage());
        }
    }

    private interface Write {
        void run() throws SQLException;
    }

    /** A GTID position, recorded at most every 300 ms (a resume replays a little more, idempotently). */
    private void persist(Write write) {
        long now = System.currentTimeMillis();
        if (now - lastPersist < 300) {
            return;
        }
        lastPersist = now;
        try {
            write.run();
        } catch (SQLException | RuntimeException e) {
            LOG.debug("sharding: cannot record the GTID position: {}", e.getMessage());
        }
    }

    private void recordError(Exception e) {
        try {
            store.error(id, String.valueOf(e), lease);
        } catch (SQLException | RuntimeException x) {
            LOG.debug("sharding: cannot record the error: {}", x.getMessage());
        }
    }
}
