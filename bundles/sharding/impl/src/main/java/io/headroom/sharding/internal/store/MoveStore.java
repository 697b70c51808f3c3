package io.headroom.sharding.internal.store;

import io.headroom.core.api.fleet.Lease;
import io.headroom.sharding.api.MoveStatus;
import io.headroom.sharding.internal.core.MovePlan;
import io.headroom.sharding.internal.core.MoveRequest;
import io.headroom.sharding.internal.core.MoveState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * Moves and splits in {@code shard_moves}. A state is written only as a compare-and-set from the state it was read in
 * to one {@link MoveState#next()} allows; the runner's writes (state, progress, positions) are made in transactions
 * that check its lease, so a node that lost a move's lease writes nothing more for it.
 */
public final class MoveStore {
    private static final String STATUS = "SELECT id, kind, subject, source, targets, state, copied, applied, verification, grace_until, error, updated_at,"
            + " replay_lag_bytes, replay_lag_millis FROM shard_moves";

    private final DataSource db;

    public MoveStore(DataSource db) {
        this.db = db;
    }

    /** Records a new move in its first state; {@code fwdPos} is the source's GTID position before the copy reads a row. */
    public long create(MovePlan plan, String fwdPos) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO shard_moves (kind, subject, source, targets, state, prev_pin, source_range, fwd_pos) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, plan.kind().stored());
            ps.setString(2, plan.subject());
            ps.setString(3, plan.source());
            ps.setString(4, plan.targetsSpec());
            ps.setString(5, MoveState.COPYING.name());
            ps.setString(6, plan.prevPin());
            ps.setString(7, plan.sourceRange());
            ps.setString(8, fwdPos);
            ps.executeUpdate();
            try (ResultSet rs = ps.getGeneratedKeys()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    public MoveRecord load(long id) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT kind, subject, source, targets, state, requested, prev_pin, source_range, fwd_pos, rev_pos FROM shard_moves WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("move " + id + " is gone");
                }
                MovePlan plan = new MovePlan(MovePlan.Kind.parse(rs.getString(1)), rs.getString(2), rs.getString(3),
                        MovePlan.parseTargets(rs.getString(4)), rs.getString(7), rs.getString(8));
                return new MoveRecord(id, plan, MoveState.valueOf(rs.getString(5)), MoveRequest.parse(rs.getString(6)), rs.getString(9),
                        rs.getString(10));
            }
        }
    }

    public Optional<MoveStatus> status(long id) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(STATUS + " WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(status(rs)) : Optional.empty();
            }
        }
    }

    public List<MoveStatus> list() throws SQLException {
        List<MoveStatus> out = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(STATUS + " ORDER BY id")) {
            while (rs.next()) {
                out.add(status(rs));
            }
        }
        return out;
    }

    private static MoveStatus status(ResultSet rs) throws SQLException {
        List<String> targets = new ArrayList<>(MovePlan.parseTargets(rs.getString(5)).keySet());
        return new MoveStatus(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), targets, rs.getString(6), rs.getLong(7),
                rs.getLong(8), rs.getString(9), rs.getString(10), rs.getString(11), rs.getString(12), rs.getObject(13, Long.class),
                rs.getObject(14, Long.class));
    }

    /** The moves a runner drives now (their lease holder works on them; an orphan's lease is free). */
    public List<Long> active() throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT id FROM shard_moves WHERE state IN "
                + in(MoveState.ACTIVE) + " ORDER BY id")) {
            bind(ps, MoveState.ACTIVE);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
        }
        return ids;
    }

    /** Whether some move may have left a tenant's rows on two shards. */
    public boolean anyHoldingCopies() throws SQLException {
        List<MoveState> holding = states(MoveState::holdsCopies);
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM shard_moves WHERE state IN " + in(holding))) {
            bind(ps, holding);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        }
    }

    public MoveRequest requested(long id) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT requested FROM shard_moves WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? MoveRequest.parse(rs.getString(1)) : null;
            }
        }
    }

    public boolean graceOver(long id) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT grace_until IS NOT NULL AND grace_until < NOW(3) FROM shard_moves WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** Records an operator's request, if the move is still in the state it was checked in. */
    public void request(long id, MoveState checkedIn, MoveRequest request) throws SQLException {
        try (Connection c = db.getConnection()) {
            if (Sql.exec(c, "UPDATE shard_moves SET requested = ? WHERE id = ? AND state = ?", request.stored(), id, checkedIn.name()) != 1) {
                throw new IllegalStateException("move " + id + " left state " + checkedIn + " meanwhile; look at it again");
            }
        }
    }

    // ------------------------------------------------------------ the runner's writes, under its lease

    public void transition(long id, MoveState from, MoveState to, Lease lease) throws SQLException {
        Sql.transaction(db, lease, c -> {
            transition(c, id, from, to);
            return null;
        });
    }

    /** A change of state inside a transaction that already checked the lease (with a change of the shard map). */
    public static void transition(Connection c, long id, MoveState from, MoveState to) throws SQLException {
        cas(c, id, from, to, "");
    }

    /** Cut over: routing changed in the same transaction; the reverse positions and the verification are recorded. */
    public static void cutOver(Connection c, long id, String revPos, String verification, long graceMillis) throws SQLException {
        cas(c, id, MoveState.CUTTING_OVER, MoveState.CUT_OVER, ", rev_pos = ?, verification = ?, error = NULL, grace_until = NOW(3) + INTERVAL ? MICROSECOND",
                revPos, verification, graceMillis * 1000);
    }

    public static void reversed(Connection c, long id, String verification) throws SQLException {
        cas(c, id, MoveState.REVERSING, MoveState.REVERSED, ", verification = ?", verification);
    }

    public static void failed(Connection c, long id, MoveState from, String error) throws SQLException {
        cas(c, id, from, MoveState.FAILED, ", error = ?", error);
    }

    private static void cas(Connection c, long id, MoveState from, MoveState to, String set, Object... values) throws SQLException {
        from.to(to);
        Object[] params = Stream.concat(Stream.of(to.name()), Stream.concat(Stream.of(values), Stream.of(id, from.name()))).toArray();
        String clear = (to.answersRequest() ? ", requested = NULL" : "")
                // nothing replays any more: no lag to show
                + (to.terminal() || to == MoveState.FAILED ? ", replay_lag_bytes = NULL, replay_lag_millis = NULL" : "");
        if (Sql.exec(c, "UPDATE shard_moves SET state = ?" + set + clear + " WHERE id = ? AND state = ?", params) != 1) {
            throw new IllegalStateException("move " + id + " was not " + from + " any more");
        }
    }

    public void resetCopied(long id, Lease lease) throws SQLException {
        write(lease, "UPDATE shard_moves SET copied = 0 WHERE id = ?", id);
    }

    public void addCopied(long id, long rows, Lease lease) throws SQLException {
        write(lease, "UPDATE shard_moves SET copied = copied + ? WHERE id = ?", rows, id);
    }

    public void applied(long id, long events, Lease lease) throws SQLException {
        write(lease, "UPDATE shard_moves SET applied = ? WHERE id = ?", events, id);
    }

    /** The change replay's lag: bytes of binary log behind and an upper bound on the oldest unreplayed change's age (-1: unknown). */
    public void lag(long id, long bytes, long millis, Lease lease) throws SQLException {
        write(lease, "UPDATE shard_moves SET replay_lag_bytes = ?, replay_lag_millis = ? WHERE id = ?", bytes < 0 ? null : bytes,
                millis < 0 ? null : millis, id);
    }

    public void forwardPosition(long id, String position, Lease lease) throws SQLException {
        write(lease, "UPDATE shard_moves SET fwd_pos = ? WHERE id = ?", position, id);
    }

    public void reversePositions(long id, String positions, Lease lease) throws SQLException {
        write(lease, "UPDATE shard_moves SET rev_pos = ? WHERE id = ?", positions, id);
    }

    public void error(long id, String error, Lease lease) throws SQLException {
        write(lease, "UPDATE shard_moves SET error = ? WHERE id = ?", error, id);
    }

    public void verification(long id, String verification, Lease lease) throws SQLException {
        write(lease, "UPDATE shard_moves SET verification = ? WHERE id = ?", verification, id);
    }

    private void write(Lease lease, String sql, Object... params) throws SQLException {
        Sql.transaction(db, lease, c -> Sql.exec(c, sql, params));
    }

    private static List<MoveState> states(Predicate<MoveState> p) {
        return Stream.of(MoveState.values()).filter(p).toList();
    }

    private static String in(Collection<MoveState> states) {
        return "(" + String.join(", ", states.stream().map(s -> "?").toList()) + ")";
    }

    private static void bind(PreparedStatement ps, Collection<MoveState> states) throws SQLException {
        int i = 1;
        for (MoveState s : states) {
            ps.setString(i++, s.name());
        }
    }
}
