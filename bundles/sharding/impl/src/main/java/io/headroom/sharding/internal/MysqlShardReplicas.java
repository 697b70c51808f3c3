package io.headroom.sharding.internal;

import io.headroom.core.api.fleet.Leases;
import io.headroom.sharding.api.ReplicaInfo;
import io.headroom.sharding.api.ShardReplicas;
import io.headroom.sharding.api.SwitchoverStatus;
import io.headroom.sharding.internal.core.FailoverWatch;
import io.headroom.sharding.internal.core.Gtid;
import io.headroom.sharding.internal.core.SwitchoverState;
import io.headroom.sharding.internal.core.Topology;
import io.headroom.core.api.fleet.LeasedWork;
import io.headroom.sharding.internal.engine.SwitchoverRunner;
import io.headroom.sharding.internal.store.SwitchoverStore;
import io.headroom.sharding.internal.store.TopologyStore;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replicas of the shards on the shared {@link ShardMap}: registration (checked against the primary), switchovers and
 * failovers recorded in the control schema and driven by a {@link SwitchoverRunner} under the lease
 * {@code sharding.switchover.<id>} (taken over by another node if this one dies), and a look every 2 s at retired
 * primaries: one that answers again is made read-only and the transactions it holds beyond the failover point are
 * recorded as the failover's GTID gap.
 */
@Component(service = ShardReplicas.class)
public final class MysqlShardReplicas implements ShardReplicas {
    private static final Logger LOG = LoggerFactory.getLogger(MysqlShardReplicas.class);

    private final ShardMap map;
    private final SwitchoverStore store;
    private final LeasedWork<Long> work;
    private final ScheduledExecutorService retired;

    @Activate
    public MysqlShardReplicas(@Reference ShardMap map, @Reference Leases leases) {
        this.map = map;
        this.store = new SwitchoverStore(map.control());
        this.work = new LeasedWork<>("sharding.switchover", leases, store::active, (id, lease) -> new SwitchoverRunner(map, store, lease, id));
        this.retired = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "headroom-sharding-retired");
            t.setDaemon(true);
            return t;
        });
        retired.scheduleWithFixedDelay(this::fenceRetired, 2, 2, TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        retired.shutdownNow();
        work.close();
    }

    @Override
    public synchronized ReplicaInfo addReplica(String shard, String jdbcUrl) {
        String url = jdbcUrl == null ? null : jdbcUrl.trim();
        Topology.ShardDef def = shardDef(shard);
        if (url == null || !url.startsWith("jdbc:mysql://") && !url.startsWith("jdbc:mariadb://")) {
            throw new IllegalArgumentException("replica URL must be a jdbc:mysql:// URL");
        }
        if (url.contains("password=")) {
            throw new IllegalArgumentException("replica URL must not carry credentials: they come from the sharding config");
        }
        if (url.equals(def.url())) {
            throw new IllegalArgumentException(url + " is shard " + shard + "'s primary");
        }
        try {
            for (Topology.ShardDef other : map.topology().shards().values()) {
                if (map.topology().replicasOf(other.name()).contains(url) || map.store().replicaRoles(other.name()).containsKey(url)) {
                    throw new IllegalArgumentException(url + " is already registered for shard " + other.name());
                }
            }
            requireReplicaOf(url, def.url(), true);
            map.store().change(c -> TopologyStore.replica(c, shard, url, TopologyStore.REPLICA));
            map.reload();
            map.probeReplicas(shard);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record the replica in the control schema: " + e.getMessage(), e);
        }
        return map.replicaInfos(shard).stream().filter(r -> r.url().equals(url)).findFirst()
                .orElse(new ReplicaInfo(url, "UNKNOWN", null, null, "not probed yet"));
    }

    /**
     * The server at {@code url} must replicate from the primary's host and port: receive its binlog and, when
     * {@code applying}, apply it (a switchover target whose SQL thread is stopped may still catch up, or roll back).
     */
    private void requireReplicaOf(String url, String primaryUrl, boolean applying) {
        java.net.URI p = java.net.URI.create(primaryUrl.substring("jdbc:".length()));
        int port = p.getPort() < 0 ? 3306 : p.getPort();
        try (Connection c = SwitchoverRunner.connect(map, url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW SLAVE STATUS")) {
            if (!rs.next()) {
                throw new IllegalArgumentException(url + " is not a replica: it has no replication configured");
            }
            if (rs.getInt("Master_Port") != port || !sameHost(rs.getString("Master_Host"), p.getHost())) {
                throw new IllegalArgumentException(url + " replicates from " + rs.getString("Master_Host") + ":" + rs.getInt("Master_Port")
                        + ", not from the shard's primary " + p.getHost() + ":" + port);
            }
            if (!"Yes".equals(rs.getString("Slave_IO_Running")) || applying && !"Yes".equals(rs.getString("Slave_SQL_Running"))) {
                throw new IllegalArgumentException(url + " does not replicate now (IO " + rs.getString("Slave_IO_Running") + ", SQL "
                        + rs.getString("Slave_SQL_Running") + "): " + rs.getString("Last_IO_Error") + " " + rs.getString("Last_SQL_Error"));
            }
        } catch (SQLException e) {
            throw new IllegalArgumentException("cannot connect to the replica at " + url + ": " + e.getMessage());
        }
    }

    private static boolean sameHost(String a, String b) {
        java.util.Set<String> local = java.util.Set.of("127.0.0.1", "localhost", "::1");
        return a.equalsIgnoreCase(b) || local.contains(a.toLowerCase(java.util.Locale.ROOT)) && local.contains(b.toLowerCase(java.util.Locale.ROOT));
    }

    @Override
    public synchronized void removeReplica(String shard, String jdbcUrl) {
        shardDef(shard);
        try {
            if (!map.store().replicaRoles(shard).containsKey(jdbcUrl)) {
                throw new IllegalArgumentException(jdbcUrl + " is not a replica of shard " + shard);
            }
            if (store.activeOn(shard).isPresent()) {
                throw new IllegalStateException("shard " + shard + " is switching over; try again when it is done");
            }
            map.store().change(c -> TopologyStore.forgetReplica(c, shard, jdbcUrl));
            map.reload();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot remove the replica: " + e.getMessage(), e);
        }
    }

    @Override
    public List<ReplicaInfo> replicas(String shard) {
        shardDef(shard);
        List<ReplicaInfo> out = new ArrayList<>(map.replicaInfos(shard));
        try {
            for (Map.Entry<String, String> r : map.store().replicaRoles(shard).entrySet()) {
                if (TopologyStore.FENCED.equals(r.getValue())) {
                    out.add(new ReplicaInfo(r.getKey(), TopologyStore.FENCED, null, null, "former primary retired by a failover"));
                }
            }
        } catch (SQLException e) {
            LOG.debug("sharding: cannot read the retired primaries: {}", e.getMessage());
        }
        return out;
    }

    @Override
    public SwitchoverStatus switchover(String shard, String replicaUrl) {
        String target = target(shard, replicaUrl);
        // the target's pools are opened and filled first, so the fence follows the catch-up below at once (the replica
        // does not fall behind again meanwhile) and the held statements are released onto open connections
        List<SwitchoverStore.Member> prepared;
        synchronized (this) {
            prepared = members(shardDef(shard), target);
            for (SwitchoverStore.Member m : prepared) {
                map.preparePool(m.shard(), m.toUrl());
            }
        }
        long id;
        boolean begun = false;
        try {
            Optional<String> behind = catchUpUnfenced(shardDef(shard).url(), target);
            synchronized (this) {
                Topology.ShardDef def = shardDef(shard);
                if (!map.topology().replicasOf(shard).contains(target)) {
                    throw new IllegalStateException(target + " is no longer a replica of shard " + shard);
                }
                List<SwitchoverStore.Member> members = members(def, target);
                for (SwitchoverStore.Member m : members) {
                    requireIdle(m.shard());
                }
                requireReplicaOf(target, def.url(), false);
                if (behind.isPresent()) {
                    return rolledBackUnfenced(members, behind.get());
                }
                if (!members.equals(prepared)) {
                    throw new IllegalStateException("the shards on the server of shard " + shard + " changed meanwhile; try again");
                }
                id = begin(SwitchoverStore.SWITCHOVER, members, SwitchoverState.FENCING, "planned switchover");
                begun = true;
            }
        } finally {
            if (!begun) {
                prepared.forEach(m -> map.discardPrepared(m.shard()));
            }
        }
        return await(id);
    }

    /** Catch-up passes before the fence: one that took at most this long leaves the replica about as close as it gets. */
    private static final long CLOSE_ENOUGH_MILLIS = 50;
    private static final int MAX_UNFENCED_PASSES = 5;

    /** The switchover's target: the replica named, or the one with the least lag. */
    private synchronized String target(String shard, String replicaUrl) {
        shardDef(shard);
        requireIdle(shard);
        List<String> candidates = map.topology().replicasOf(shard);
        if (replicaUrl == null || replicaUrl.isBlank()) {
            map.probeReplicas(shard);
            return map.replicaInfos(shard).stream().filter(r -> "REPLICATING".equals(r.state()) && r.lagMillis() != null)
                    .min(java.util.Comparator.comparing(ReplicaInfo::lagMillis)).map(ReplicaInfo::url)
                    .orElseThrow(() -> new IllegalStateException("shard " + shard + " has no replica that replicates now"));
        }
        String target = replicaUrl.trim();
        if (!candidates.contains(target)) {
            throw new IllegalArgumentException(target + " is not a replica of shard " + shard + "; its replicas: " + candidates);
        }
        return target;
    }

    /**
     * Before the fence: waits (up to the switchover's budget in all) until the replica applied what the primary had
     * committed when the wait began, and again from the primary's new position while a pass takes longer than
     * {@value #CLOSE_ENOUGH_MILLIS} ms (at most {@value #MAX_UNFENCED_PASSES} passes, a later pass that runs out of the
     * budget ending them), so the fenced part only has to catch up with the last moments' writes. Nothing is held
     * meanwhile. Returns why the switchover should not go on (the replica did not get there: fencing now would hold
     * the shard's writes for the whole budget and roll back); empty when it got there, or when this could not be
     * checked (the fenced catch-up decides then).
     */
    private Optional<String> catchUpUnfenced(String primaryUrl, String replicaUrl) {
        long deadline = System.currentTimeMillis() + map.settings().switchoverBudgetMillis();
        try (Connection p = SwitchoverRunner.connect(map, primaryUrl); Statement ps = p.createStatement();
             Connection r = SwitchoverRunner.connect(map, replicaUrl); Statement rs = r.createStatement()) {
            // again while a pass takes long: under steady writes each pass starts closer to the primary (when the
            // replica applies faster than the primary writes), so the fenced catch-up has only the last moments left
            for (int pass = 1; ; pass++) {
                String gtid;
                try (ResultSet pos = ps.executeQuery("SELECT @@gtid_binlog_pos")) {
                    pos.next();
                    gtid = pos.getString(1).replace("'", "");
                }
                long started = System.currentTimeMillis();
                String reached;
                try (ResultSet w = rs.executeQuery("SELECT MASTER_GTID_WAIT('" + gtid + "', " + Math.max(0, deadline - started) / 1000.0 + ")")) {
                    w.next();
                    reached = w.getString(1);
                }
                if (!"0".equals(reached) && pass > 1) {
                    return Optional.empty(); // it got to where the primary was when asked: the fenced catch-up decides
                }
                if (!"0".equals(reached)) {
                    String at;
                    try (ResultSet a = rs.executeQuery("SELECT @@gtid_current_pos")) {
                        a.next();
                        at = a.getString(1);
                    }
                    return Optional.of("the replica did not apply the primary's transactions up to " + gtid + " within the budget (at " + at
                            + ", " + Gtid.parse(at).behind(Gtid.parse(gtid)) + " behind); nothing was fenced or held");
                }
                if (System.currentTimeMillis() - started <= CLOSE_ENOUGH_MILLIS || pass == MAX_UNFENCED_PASSES) {
                    return Optional.empty();
                }
            }
        } catch (SQLException | IllegalArgumentException e) {
            LOG.debug("sharding: no catch-up before the fence ({}); the switchover's own decides", e.getMessage());
            return Optional.empty();
        }
    }

    /** A switchover given up before its fence: recorded as rolled back (routing, fences and servers untouched). */
    private SwitchoverStatus rolledBackUnfenced(List<SwitchoverStore.Member> members, String reason) {
        try {
            long id = store.recordRolledBack(members, map.settings().switchoverBudgetMillis(), "rolled back: " + reason);
            LOG.warn("sharding: switchover {} of shard {} rolled back: {}", id, members.get(0).shard(), reason);
            return store.status(id).orElseThrow();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record the switchover: " + e.getMessage(), e);
        }
    }

    @Override
    public SwitchoverStatus failover(String shard) {
        long id;
        synchronized (this) {
            Topology.ShardDef def = shardDef(shard);
            for (Topology.ShardDef d : onServerOf(def)) {
                requireIdle(d.name());
            }
            try (Connection c = SwitchoverRunner.connect(map, def.url())) {
                if (c.isValid(2)) {
                    throw new IllegalStateException("shard " + shard + "'s primary answers: use a switchover, which loses nothing");
                }
            } catch (SQLException dead) {
                // the primary is gone: fail over
            }
            Map<String, Gtid> positions = new java.util.LinkedHashMap<>();
            StringBuilder seen = new StringBuilder();
            for (String url : map.topology().replicasOf(shard)) {
                try {
                    Gtid pos = SwitchoverRunner.position(map, url);
                    seen.append(seen.length() == 0 ? "" : ", ").append(url).append(" at ").append(pos);
                    positions.put(url, pos);
                } catch (SQLException e) {
                    seen.append(seen.length() == 0 ? "" : ", ").append(url).append(" unreachable");
                }
            }
            String best = FailoverWatch.mostAdvanced(positions).orElse(null);
            if (best == null) {
                throw new IllegalStateException("shard " + shard + " has no reachable replica to promote (" + seen + ")");
            }
            id = begin(SwitchoverStore.FAILOVER, members(def, best), SwitchoverState.PROMOTING, "failover; replicas: " + seen);
        }
        return await(id);
    }

    private Topology.ShardDef shardDef(String shard) {
        try {
            map.reload();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the shard map: " + e.getMessage(), e);
        }
        Topology.ShardDef def = shard == null ? null : map.topology().shards().get(shard);
        if (def == null) {
            throw new IllegalArgumentException("no shard " + shard);
        }
        return def;
    }

    /**
     * No other switchover of the shard in progress. A move or split of the shard may run: its change replay records GTID
     * positions and reopens on the new primary.
     */
    private void requireIdle(String shard) {
        try {
            Optional<Long> running = store.activeOn(shard);
            if (running.isPresent()) {
                throw new IllegalStateException("switchover " + running.get() + " of shard " + shard + " is in progress");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the switchovers: " + e.getMessage(), e);
        }
    }

    /** The shards whose primary is a database on the same server as {@code def}'s (the shard itself first). */
    private List<Topology.ShardDef> onServerOf(Topology.ShardDef def) {
        List<Topology.ShardDef> out = new ArrayList<>(List.of(def));
        String server = server(def.url());
        map.topology().shards().values().stream().filter(s -> !s.name().equals(def.name()) && server(s.url()).equals(server))
                .sorted(java.util.Comparator.comparing(Topology.ShardDef::name)).forEach(out::add);
        return out;
    }

    /**
     * What switches when {@code def} goes to {@code target}: a switchover moves a whole server, so every shard on the
     * primary's server goes to its registered replica on the target's server; a shard without one there stops it.
     */
    private List<SwitchoverStore.Member> members(Topology.ShardDef def, String target) {
        String to = server(target);
        List<SwitchoverStore.Member> out = new ArrayList<>();
        for (Topology.ShardDef s : onServerOf(def)) {
            String replica = s == def ? target : map.topology().replicasOf(s.name()).stream().filter(u -> server(u).equals(to)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("shard " + s.name() + " shares the server of shard " + def.name()
                            + " and switches with it, but has no replica registered on " + to + ": add it first"));
            out.add(new SwitchoverStore.Member(s.name(), s.url(), replica));
        }
        return out;
    }

    /** host:port of a JDBC URL. */
    private static String server(String jdbcUrl) {
        java.net.URI u = java.net.URI.create(jdbcUrl.substring("jdbc:".length()));
        return u.getHost() + ":" + (u.getPort() < 0 ? 3306 : u.getPort());
    }

    /** Records the switchover and fences its shards in one transaction, then runs it here. */
    private long begin(String kind, List<SwitchoverStore.Member> members, SwitchoverState first, String detail) {
        long[] id = new long[1];
        try {
            map.store().change(c -> {
                id[0] = SwitchoverStore.create(c, kind, members, first, map.settings().switchoverBudgetMillis(), detail);
                TopologyStore.fenceShards(c, id[0], members.stream().map(SwitchoverStore.Member::shard).toList());
            });
            map.reload();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record the switchover: " + e.getMessage(), e);
        }
        work.claim(id[0]);
        return id[0];
    }

    /** Waits until the switchover is over (it goes on, here or elsewhere, if this wait ends first). */
    private SwitchoverStatus await(long id) {
        long deadline = System.currentTimeMillis() + map.settings().switchoverBudgetMillis() + 60_000;
        try {
            while (System.currentTimeMillis() < deadline) {
                SwitchoverStatus s = store.status(id).orElseThrow();
                if (SwitchoverState.valueOf(s.state()).terminal()) {
                    return s;
                }
                Thread.sleep(10);
            }
            return store.status(id).orElseThrow();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read switchover " + id + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for switchover " + id);
        }
    }

    @Override
    public Optional<SwitchoverStatus> status(long id) {
        try {
            return store.status(id);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read switchover " + id + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<SwitchoverStatus> history(int limit) {
        try {
            return store.history(Math.max(1, Math.min(limit, 1000)));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the switchovers: " + e.getMessage(), e);
        }
    }

    /** A retired primary that answers is made read-only, and what it holds beyond the failover point is reported once. */
    private void fenceRetired() {
        try {
            for (String shard : map.topology().shards().keySet()) {
                for (Map.Entry<String, String> r : map.store().replicaRoles(shard).entrySet()) {
                    if (TopologyStore.FENCED.equals(r.getValue())) {
                        fenceRetired(shard, r.getKey());
                    }
                }
            }
        } catch (SQLException | RuntimeException e) {
            LOG.debug("sharding: cannot look at the retired primaries: {}", e.getMessage());
        }
    }

    private void fenceRetired(String shard, String url) throws SQLException {
        Gtid held;
        try (Connection c = SwitchoverRunner.connect(map, url); Statement s = c.createStatement()) {
            s.execute("SET GLOBAL read_only = 1");
            try (ResultSet rs = s.executeQuery("SELECT @@gtid_binlog_pos")) {
                rs.next();
                held = Gtid.parse(rs.getString(1));
            }
        } catch (SQLException down) {
            return; // still gone
        }
        for (SwitchoverStatus f : store.history(50)) {
            if (f.shard().equals(shard) && SwitchoverStore.FAILOVER.equals(f.kind()) && f.fromUrl().equals(url) && f.gtid() != null
                    && (f.detail() == null || !f.detail().contains("old primary returned"))) {
                String gap = Gtid.parse(f.gtid()).gap(held);
                String note = "; old primary returned (made read-only) at GTID " + held
                        + (gap.isEmpty() ? ": no transaction was lost" : ": transactions not on the new primary (GTID gap): " + gap);
                store.appendDetail(f.id(), note);
                LOG.warn("sharding: shard {}'s former primary {} answers again{}", shard, url, note);
            }
        }
    }
}
