package io.headroom.sharding.internal.engine;

import io.headroom.sharding.internal.ShardMap;
import io.headroom.sharding.internal.core.Gtid;
import io.headroom.sharding.internal.core.ReplayLag;
import io.headroom.sharding.internal.core.Topology;
import io.headroom.sharding.internal.engine.BinlogStream.Position;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Where a shard's primary is in its binary log, as moves, splits and shadow copies read it. */
public final class ShardPositions {
    private ShardPositions() {
    }

    /**
     * The shard's primary's GTID position now ({@code @@gtid_binlog_pos}): where a new replay starts, and what a replay
     * must have read to be caught up. The same on the shard's replicas once they applied it.
     */
    public static Gtid gtid(ShardMap map, String shard) throws SQLException {
        try (Connection c = map.shard(shard).getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@log_bin, @@gtid_binlog_pos")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                throw new IllegalStateException("shard " + shard + "'s server has no binary log: start it with --log-bin --binlog-format=ROW");
            }
            Gtid g = Gtid.parse(rs.getString(2));
            if (g.sequences().isEmpty()) {
                throw new IllegalStateException("shard " + shard + "'s server has written no transaction to its binary log yet (no GTID position)");
            }
            return g;
        }
    }

    /** The primary's binary log file and offset now: what a replay's lag in bytes is measured against. */
    static Position binlog(ShardMap map, String shard) throws SQLException {
        try (Connection c = map.shard(shard).getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW MASTER STATUS")) {
            if (!rs.next()) {
                throw new IllegalStateException("shard " + shard + "'s server has no binary log: start it with --log-bin --binlog-format=ROW");
            }
            return new Position(rs.getString(1), rs.getLong(2));
        }
    }

    /**
     * How far {@code stream} is behind {@code shard}'s primary, or null when the stream does not read the shard's primary
     * (it is about to reopen on a new one).
     */
    static ReplayLag.Lag lag(ShardMap map, BinlogStream stream, String shard, long now) throws SQLException {
        Topology.ShardDef def = map.topology().shards().get(shard);
        if (def == null || !ServerAddress.of(def.url()).equals(stream.server())) {
            return null;
        }
        Position seen = stream.seen(); // before the head: a head read first could be passed meanwhile and look caught up
        Position head = binlog(map, shard);
        return stream.lag(seen, head, seen.file().compareTo(head.file()) < 0 ? binaryLogs(map, shard) : List.of(), now);
    }

    /** The primary's binary log files and their sizes. */
    static List<ReplayLag.LogFile> binaryLogs(ShardMap map, String shard) throws SQLException {
        List<ReplayLag.LogFile> out = new ArrayList<>();
        try (Connection c = map.shard(shard).getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW BINARY LOGS")) {
            while (rs.next()) {
                out.add(new ReplayLag.LogFile(rs.getString(1), rs.getLong(2)));
            }
        }
        return out;
    }
}
