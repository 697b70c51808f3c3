package io.headroom.sharding.internal.move;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.store.Migration;
import io.headroom.sharding.api.KeyRange;
import io.headroom.sharding.api.MoveStatus;
import io.headroom.sharding.internal.core.MoveState;
import io.headroom.sharding.internal.core.TenantFilter;
import io.headroom.sharding.internal.core.Topology;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tenant moves and shard splits: validation, the control-schema record, and one {@link MoveRunner} thread per move
 * this node owns (a lease in the record; a move whose owner died is claimed by the next node that looks).
 */
public final class Moves implements AutoCloseable {
    public static final Migration MIGRATION = Migration.of(2, "tenant moves and shard splits, write fences",
            "CREATE TABLE IF NOT EXISTS shard_moves (id BIGINT AUTO_INCREMENT PRIMARY KEY, kind VARCHAR(8) NOT NULL,"
                    + " subject VARCHAR(63) NOT NULL, source VARCHAR(63) NOT NULL, targets VARCHAR(400) NOT NULL,"
                    + " state VARCHAR(16) NOT NULL, requested VARCHAR(16) NULL, prev_pin VARCHAR(63) NULL, source_range VARCHAR(40) NULL,"
                    + " fwd_pos VARCHAR(300) NULL, rev_pos VARCHAR(1000) NULL, copied BIGINT NOT NULL DEFAULT 0,"
                    + " applied BIGINT NOT NULL DEFAULT 0, verification TEXT NULL, error TEXT NULL, grace_until TIMESTAMP(3) NULL,"
                    + " owner VARCHAR(64) NULL, lease_until TIMESTAMP(3) NULL,"
                    + " created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),"
                    + " updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3))",
            "CREATE TABLE IF NOT EXISTS shard_fences (move_id BIGINT PRIMARY KEY, filter_spec VARCHAR(100) NOT NULL)");

    private static final Logger LOG = LoggerFactory.getLogger(Moves.class);
    static final List<String> ACTIVE = List.of("COPYING", "CATCHING_UP", "CUTTING_OVER", "CUT_OVER", "REVERSING");

    final MoveHost host;
    final String node = UUID.randomUUID().toString();
    final long graceMillis;
    final int chunk;
    final long chunkPauseMillis;
    private final Map<Long, MoveRunner> runners = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public Moves(MoveHost host, long graceMillis, int chunk, long chunkPauseMillis) {
        this.host = host;
        this.graceMillis = graceMillis;
        this.chunk = chunk;
        this.chunkPauseMillis = chunkPauseMillis;
    }

    /** The fences recorded in the control schema (read with the topology). */
    public static List<TenantFilter> fences(Connection c) throws SQLException {
        List<TenantFilter> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT filter_spec FROM shard_fences")) {
            while (rs.next()) {
                out.add(TenantFilter.parse(rs.getString(1)));
            }
        }
        return out;
    }

    public MoveStatus move(TenantId tenant, String target) {
        try {
            host.reload();
            Topology t = host.topology();
            Topology.ShardDef source = t.route(tenant).orElseThrow(() -> new IllegalArgumentException("no shard serves tenant " + tenant));
            if (!t.shards().containsKey(target)) {
                throw new IllegalArgumentException("no shard " + target);
            }
            if (source.name().equals(target)) {
                throw new IllegalArgumentException("tenant " + tenant + " is already on " + target);
            }
            requireIdle(List.of(source.name(), target), TenantFilter.tenant(tenant.value()));
            Map<String, TenantFilter> targets = new LinkedHashMap<>();
            targets.put(target, TenantFilter.tenant(tenant.value()));
            return status(create("move", tenant.value(), source.name(), targets, t.pins().get(tenant.value()), null)).orElseThrow();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record the move: " + e.getMessage(), e);
        }
    }

    public MoveStatus split(String shard, String low, String high) {
        try {
            host.reload();
            Topology t = host.topology();
            Topology.ShardDef source = t.shards().get(shard);
            if (source == null) {
                throw new IllegalArgumentException("no shard " + shard);
            }
            if (source.range() == null) {
                throw new IllegalArgumentException("shard " + shard + " is dedicated (no key range): nothing to split");
            }
            for (String s : List.of(low, high)) {
                Topology.ShardDef d = t.shards().get(s);
                if (d == null) {
                    throw new IllegalArgumentException("no shard " + s + ": add it first as a dedicated shard (no range)");
                }
                if (d.range() != null) {
                    throw new IllegalArgumentException("shard " + s + " already serves " + d.range() + ": a split target must have no range");
                }
            }
            if (low.equals(high) || low.equals(shard) || high.equals(shard)) {
                throw new IllegalArgumentException("a split needs two new shards, distinct from " + shard);
            }
            requireIdle(List.of(shard, low, high), null);
            KeyRange[] halves = source.range().halves();
            Map<String, TenantFilter> targets = new LinkedHashMap<>();
            targets.put(low, TenantFilter.range(halves[0]));
            targets.put(high, TenantFilter.range(halves[1]));
            return status(create("split", shard, shard, targets, null, source.range().toString())).orElseThrow();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record the split: " + e.getMessage(), e);
        }
    }

    private void requireIdle(List<String> shards, TenantFilter tenant) throws SQLException {
        for (MoveStatus m : list()) {
            if (!ACTIVE.contains(m.state())) {
                continue;
            }
            boolean busy = shards.contains(m.source()) && m.kind().equals("split") || m.targets().stream().anyMatch(shards::contains) && m.kind().equals("split")
                    || tenant != null && m.kind().equals("move") && m.subject().equals(tenant.tenant())
                    || tenant == null && (shards.contains(m.source()) || m.targets().stream().anyMatch(shards::contains));
            if (busy) {
                throw new IllegalStateException("move " + m.id() + " (" + m.kind() + " " + m.subject() + ", " + m.state()
                        + ") is still running there; wait for it or cancel it");
            }
        }
    }

    private long create(String kind, String subject, String source, Map<String, TenantFilter> targets, String prevPin, String sourceRange)
            throws SQLException {
        // the binlog position before the first row is read: replay from here catches every change the copy misses
        String from = MoveRunner.masterPosition(host, source).toString();
        StringBuilder spec = new StringBuilder();
        targets.forEach((s, f) -> spec.append(spec.length() == 0 ? "" : ",").append(s).append('=').append(f));
        try (Connection c = host.control().getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO shard_moves (kind, subject, source, targets, state, prev_pin, source_range, fwd_pos) VALUES (?, ?, ?, ?, 'COPYING', ?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, kind);
            ps.setString(2, subject);
            ps.setString(3, source);
            ps.setString(4, spec.toString());
            ps.setString(5, prevPin);
            ps.setString(6, sourceRange);
            ps.setString(7, from);
            ps.executeUpdate();
            try (ResultSet rs = ps.getGeneratedKeys()) {
                rs.next();
                long id = rs.getLong(1);
                claim(id);
                return id;
            }
        }
    }

    /** Whether a move may have left a tenant's rows on two shards (from its first copy until cleanup or cancel). */
    public boolean anyHoldingCopies() {
        try (Connection c = host.control().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM shard_moves WHERE state NOT IN ('DONE', 'CANCELLED', 'REVERSED')")) {
            rs.next();
            return rs.getLong(1) > 0;
        } catch (SQLException e) {
            return true; // unknown: filter, which is always correct
        }
    }

    /** Starts runners for moves nobody owns (a node died or restarted): called periodically. */
    public void claimOrphans() {
        if (closed) {
            return;
        }
        try (Connection c = host.control().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM shard_moves WHERE state IN ('COPYING','CATCHING_UP','CUTTING_OVER','CUT_OVER','REVERSING')"
                     + " AND (owner IS NULL OR lease_until < NOW(3))")) {
            List<Long> ids = new ArrayList<>();
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
            for (long id : ids) {
                claim(id);
            }
        } catch (SQLException e) {
            LOG.warn("sharding: cannot look for moves to resume: {}", e.getMessage());
        }
    }

    private void claim(long id) throws SQLException {
        if (closed || runners.containsKey(id)) {
            return;
        }
        try (Connection c = host.control().getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE shard_moves SET owner = ?, lease_until = NOW(3) + INTERVAL 10 SECOND WHERE id = ?"
                        + " AND (owner IS NULL OR owner = ? OR lease_until < NOW(3))")) {
            ps.setString(1, node);
            ps.setLong(2, id);
            ps.setString(3, node);
            if (ps.executeUpdate() == 1) {
                MoveRunner r = new MoveRunner(this, id);
                runners.put(id, r);
                r.start();
            }
        }
    }

    void finished(long id) {
        runners.remove(id);
    }

    public Optional<MoveStatus> status(long id) {
        try (Connection c = host.control().getConnection(); PreparedStatement ps = c.prepareStatement(SELECT + " WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(status(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read move " + id + ": " + e.getMessage(), e);
        }
    }

    public List<MoveStatus> list() {
        List<MoveStatus> out = new ArrayList<>();
        try (Connection c = host.control().getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(SELECT + " ORDER BY id")) {
            while (rs.next()) {
                out.add(status(rs));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read moves: " + e.getMessage(), e);
        }
        return out;
    }

    private static final String SELECT = "SELECT id, kind, subject, source, targets, state, copied, applied, verification, grace_until, error, updated_at FROM shard_moves";

    private static MoveStatus status(ResultSet rs) throws SQLException {
        List<String> targets = new ArrayList<>();
        for (String t : rs.getString(5).split(",")) {
            targets.add(t.substring(0, t.indexOf('=')));
        }
        return new MoveStatus(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), targets, rs.getString(6), rs.getLong(7),
                rs.getLong(8), rs.getString(9), rs.getString(10), rs.getString(11), rs.getString(12));
    }

    public MoveStatus cancel(long id) {
        return request(id, "cancel");
    }

    public MoveStatus cleanup(long id) {
        return request(id, "cleanup");
    }

    private MoveStatus request(long id, String what) {
        MoveStatus m = status(id).orElseThrow(() -> new IllegalArgumentException("no move " + id));
        MoveState state = MoveState.valueOf(m.state());
        if (state.terminal()) {
            throw new IllegalStateException("move " + id + " is already " + state);
        }
        if (what.equals("cleanup") && state != MoveState.CUT_OVER) {
            throw new IllegalStateException("move " + id + " is " + state + ": only a cut-over move has a source copy to clean up");
        }
        if (what.equals("cancel") && state == MoveState.REVERSING) {
            throw new IllegalStateException("move " + id + " is already being reversed");
        }
        try (Connection c = host.control().getConnection(); PreparedStatement ps = c.prepareStatement("UPDATE shard_moves SET requested = ? WHERE id = ?")) {
            ps.setString(1, what);
            ps.setLong(2, id);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record the request: " + e.getMessage(), e);
        }
        if (state == MoveState.FAILED) {
            new MoveRunner(this, id).abandon(); // nobody runs a failed move: clean it up here
        }
        return status(id).orElseThrow();
    }

    @Override
    public void close() {
        closed = true;
        runners.values().forEach(MoveRunner::stop);
        runners.clear();
        try (Connection c = host.control().getConnection(); PreparedStatement ps = c.prepareStatement("UPDATE shard_moves SET owner = NULL WHERE owner = ?")) {
            ps.setString(1, node);
            ps.executeUpdate();
        } catch (SQLException e) {
            LOG.debug("sharding: cannot release move leases: {}", e.getMessage());
        }
    }
}
