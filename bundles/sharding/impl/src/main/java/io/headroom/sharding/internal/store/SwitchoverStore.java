package io.headroom.sharding.internal.store;

import io.headroom.core.api.fleet.Lease;
import io.headroom.sharding.api.SwitchoverStatus;
import io.headroom.sharding.internal.core.SwitchoverState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Switchovers and failovers in {@code shard_switchovers}. A state is written only as a compare-and-set through
 * {@link SwitchoverState#to}; the runner's writes check its lease ({@code sharding.switchover.<id>}).
 */
public final class SwitchoverStore {
    private static final String COLUMNS = "SELECT id, shard, kind, from_url, to_url, state, gtid, held_ms, detail, created_at, updated_at, budget_until";
    private static final String STATUS = COLUMNS + " FROM shard_switchovers";

    /** A switchover as the runner needs it. */
    public record Record(long id, String shard, String kind, String fromUrl, String toUrl, SwitchoverState state, String gtid,
            long budgetUntilMillis, long startedMillis, List<Member> members) {
        public boolean failover() {
            return FAILOVER.equals(kind);
        }

        public List<String> shards() {
            return members.stream().map(Member::shard).toList();
        }
    }

    /**
     * A shard that switches with the one asked for: every shard whose primary is a database on the same server (a
     * switchover moves a whole server), with its primary before and after.
     */
    public record Member(String shard, String fromUrl, String toUrl) {
        static String encode(List<Member> members) {
            StringBuilder b = new StringBuilder();
            for (Member m : members) {
                b.append(b.length() == 0 ? "" : "\n").append(m.shard).append('\t').append(m.fromUrl).append('\t').append(m.toUrl);
            }
            return b.toString();
        }

        static List<Member> decode(String text) {
            List<Member> out = new ArrayList<>();
            for (String line : text.split("\n")) {
                String[] f = line.split("\t");
                out.add(new Member(f[0], f[1], f[2]));
            }
            return out;
        }
    }

    public static final String SWITCHOVER = "SWITCHOVER";
    public static final String FAILOVER = "FAILOVER";

    private final DataSource db;

    public SwitchoverStore(DataSource db) {
        this.db = db;
    }

    /** Records a new switchover in its first state, inside the caller's transaction (the one that also fences). */
    public static long create(Connection c, String kind, List<Member> members, SwitchoverState first, long budgetMillis,
            String detail) throws SQLException {
        Member main = members.get(0);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO shard_switchovers (shard, kind, from_url, to_url, members, state, budget_until, detail)"
                + " VALUES (?, ?, ?, ?, ?, ?, NOW(3) + INTERVAL ? MICROSECOND, ?)", Statement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, main.shard());
            ps.setString(2, kind);
            ps.setString(3, main.fromUrl());
            ps.setString(4, main.toUrl());
            ps.setString(5, Member.encode(members));
            ps.setString(6, first.name());
            ps.setLong(7, budgetMillis * 1000);
            ps.setString(8, detail);
            ps.executeUpdate();
            try (ResultSet rs = ps.getGeneratedKeys()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Records a switchover given up before its fence (nothing was fenced, so routing does not change). */
    public long recordRolledBack(List<Member> members, long budgetMillis, String detail) throws SQLException {
        return Sql.transaction(db, null, c -> create(c, SWITCHOVER, members, SwitchoverState.ROLLED_BACK, budgetMillis, detail));
    }

    public Record load(long id) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(COLUMNS + ", members FROM shard_switchovers WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("switchover " + id + " is gone");
                }
                return new Record(id, rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), SwitchoverState.valueOf(rs.getString(6)),
                        rs.getString(7), rs.getTimestamp(12).getTime(), rs.getTimestamp(10).getTime(), Member.decode(rs.getString(13)));
            }
        }
    }

    /** Whether the budget of the switchover has run out, by the control schema's clock. */
    public boolean overBudget(long id) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT budget_until < NOW(3) FROM shard_switchovers WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** Compare-and-set of the state (with what was learned on the way), under the lease. */
    public void transition(long id, SwitchoverState from, SwitchoverState to, String gtid, String detail, Lease lease) throws SQLException {
        Sql.transaction(db, lease, c -> {
            transition(c, id, from, to, gtid, detail);
            return null;
        });
    }

    /** As above, inside the caller's transaction; the time the shard was held is set when the state is terminal. */
    public static void transition(Connection c, long id, SwitchoverState from, SwitchoverState to, String gtid, String detail) throws SQLException {
        from.to(to);
        int n = Sql.exec(c, "UPDATE shard_switchovers SET state = ?, gtid = COALESCE(?, gtid), detail = COALESCE(?, detail),"
                + " held_ms = CASE WHEN ? THEN TIMESTAMPDIFF(MICROSECOND, created_at, NOW(3)) DIV 1000 ELSE held_ms END"
                + " WHERE id = ? AND state = ?", to.name(), gtid, detail, to.terminal(), id, from.name());
        if (n != 1) {
            throw new IllegalStateException("switchover " + id + " is no longer " + from);
        }
    }

    /** Adds {@code note} to the end of a switchover's detail (what was learned after it ended, such as a returned old primary). */
    public void appendDetail(long id, String note) throws SQLException {
        try (Connection c = db.getConnection()) {
            Sql.exec(c, "UPDATE shard_switchovers SET detail = CONCAT(COALESCE(detail, ''), ?) WHERE id = ?", note, id);
        }
    }

    /** Switchovers not yet over: a node that holds none of their leases takes them over. */
    public List<Long> active() throws SQLException {
        List<Long> out = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM shard_switchovers WHERE state NOT IN ('DONE', 'ROLLED_BACK')")) {
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
        }
        return out;
    }

    /** The switchover in progress that the shard is part of, if any. */
    public Optional<Long> activeOn(String shard) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT id FROM shard_switchovers WHERE (shard = ? OR members LIKE CONCAT(?, '\t%') OR members LIKE CONCAT('%\n', ?, '\t%'))"
                        + " AND state NOT IN ('DONE', 'ROLLED_BACK')")) {
            ps.setString(1, shard);
            ps.setString(2, shard);
            ps.setString(3, shard);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        }
    }

    public Optional<SwitchoverStatus> status(long id) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(STATUS + " WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(status(rs)) : Optional.empty();
            }
        }
    }

    public List<SwitchoverStatus> history(int limit) throws SQLException {
        List<SwitchoverStatus> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(STATUS + " ORDER BY id DESC LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(status(rs));
                }
            }
        }
        return out;
    }

    private static SwitchoverStatus status(ResultSet rs) throws SQLException {
        return new SwitchoverStatus(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                rs.getString(7), rs.getLong(8), rs.getString(9), iso(rs.getTimestamp(10)), iso(rs.getTimestamp(11)));
    }

    private static String iso(Timestamp t) {
        return t == null ? null : t.toInstant().toString();
    }
}
