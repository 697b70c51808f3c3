package io.headroom.sharding.internal;

import io.headroom.sharding.api.ReadPreference;
import io.headroom.sharding.api.ReplicaInfo;
import io.headroom.sharding.internal.core.Gtid;
import io.headroom.sharding.internal.core.PrimaryPositions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's view of one shard's replicas: a pool per replica for reads, and their replication state checked against
 * the primary every probe. A replica's lag is the age of the newest primary GTID position (read by a probe, timed
 * before the read) that the replica holds: it holds every transaction committed before then, so a read there misses
 * nothing committed more than that long ago, also while writes go on and it is always a moment behind. A replica whose replication threads are not both running is
 * never read from.
 */
final class ShardReplicaSet implements AutoCloseable {
    /** A replica as last probed. */
    record State(String url, String state, Long lagMillis, String gtid, String detail, long caughtUpAt) {
    }

    private final String shard;
    private final Map<String, ShardPool> pools = new ConcurrentHashMap<>();
    private final Map<String, State> states = new ConcurrentHashMap<>();
    private final ShardingSettings settings;
    /** The primary's positions of the last probes (about 30 s of them), to tell how fresh a replica a moment behind is. */
    private final PrimaryPositions positions;

    ShardReplicaSet(String shard, ShardingSettings settings) {
        this.shard = shard;
        this.settings = settings;
        this.positions = new PrimaryPositions((int) Math.min(1000, Math.max(8, 30_000 / settings.replicaProbeMillis())));
    }

    /** Opens pools for new replicas and closes those of replicas no longer listed. */
    synchronized void update(List<String> urls) {
        for (String url : urls) {
            pools.computeIfAbsent(url, u -> new ShardPool(shard + "-replica", u, settings));
        }
        for (String url : List.copyOf(pools.keySet())) {
            if (!urls.contains(url)) {
                pools.remove(url).close();
                states.remove(url);
            }
        }
    }

    boolean isEmpty() {
        return pools.isEmpty();
    }

    /** Reads the primary's GTID position, then each replica's replication state. */
    void probe(javax.sql.DataSource primary) {
        long before = System.currentTimeMillis();
        Gtid primaryPos;
        try (Connection c = primary.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@gtid_binlog_pos")) {
            rs.next();
            primaryPos = Gtid.parse(rs.getString(1));
        } catch (SQLException | RuntimeException e) {
            primaryPos = null; // the primary does not answer: lags are measured from the last time it did
        }
        if (primaryPos != null) {
            positions.read(before, primaryPos);
        }
        long now = System.currentTimeMillis();
        for (Map.Entry<String, ShardPool> p : pools.entrySet()) {
            State last = states.get(p.getKey());
            states.put(p.getKey(), probe(p.getKey(), p.getValue().dataSource(), positions, now, last == null ? 0 : last.caughtUpAt()));
        }
    }

    private static State probe(String url, javax.sql.DataSource replica, PrimaryPositions positions, long now, long caughtUpAt) {
        try (Connection c = replica.getConnection(); Statement s = c.createStatement()) {
            String gtid;
            try (ResultSet rs = s.executeQuery("SELECT @@gtid_current_pos")) {
                rs.next();
                gtid = rs.getString(1);
            }
            try (ResultSet rs = s.executeQuery("SHOW SLAVE STATUS")) {
                if (!rs.next()) {
                    return new State(url, "STOPPED", null, gtid, "not a replica (no replication configured)", caughtUpAt);
                }
                boolean io = "Yes".equals(rs.getString("Slave_IO_Running"));
                boolean sql = "Yes".equals(rs.getString("Slave_SQL_Running"));
                String from = rs.getString("Master_Host") + ":" + rs.getInt("Master_Port");
                if (!io || !sql) {
                    String error = (rs.getString("Last_IO_Error") + " " + rs.getString("Last_SQL_Error")).trim();
                    return new State(url, "STOPPED", null, gtid, "replication from " + from + " stopped (IO " + (io ? "running" : "stopped")
                            + ", SQL " + (sql ? "running" : "stopped") + ")" + (error == null || error.isEmpty() ? "" : ": " + error), caughtUpAt);
                }
                caughtUpAt = positions.caughtUpAt(Gtid.parse(gtid), caughtUpAt);
                Long lag = caughtUpAt == 0 ? null : Math.max(0, now - caughtUpAt);
                return new State(url, "REPLICATING", lag, gtid, "replicating from " + from, caughtUpAt);
            }
        } catch (SQLException | RuntimeException e) {
            return new State(url, "UNREACHABLE", null, null, "does not answer: " + e.getMessage(), caughtUpAt);
        }
    }

    /** The replica pool that fits the preference (the freshest one), or null: read from the primary. */
    ShardPool forRead(ReadPreference preference) {
        if (preference.kind() == ReadPreference.Kind.PRIMARY) {
            return null;
        }
        long now = System.currentTimeMillis();
        ShardPool best = null;
        long bestAge = Long.MAX_VALUE;
        for (Map.Entry<String, ShardPool> p : pools.entrySet()) {
            State s = states.get(p.getKey());
            if (s == null || !"REPLICATING".equals(s.state()) || s.caughtUpAt() == 0 || !"UP".equals(p.getValue().health())) {
                continue;
            }
            long age = now - s.caughtUpAt();
            if (age <= preference.maxLagMillis() && age < bestAge) {
                best = p.getValue();
                bestAge = age;
            }
        }
        return best;
    }

    List<ReplicaInfo> infos() {
        List<ReplicaInfo> out = new ArrayList<>();
        for (String url : new java.util.TreeSet<>(pools.keySet())) {
            State s = states.get(url);
            out.add(s == null ? new ReplicaInfo(url, "UNKNOWN", null, null, "not probed yet")
                    : new ReplicaInfo(url, s.state(), s.lagMillis(), s.gtid(), s.detail()));
        }
        return out;
    }

    java.util.Collection<ShardPool> pools() {
        return pools.values();
    }

    @Override
    public synchronized void close() {
        pools.values().forEach(ShardPool::close);
        pools.clear();
    }
}
