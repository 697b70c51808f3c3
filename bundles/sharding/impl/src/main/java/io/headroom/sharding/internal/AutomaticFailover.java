package io.headroom.sharding.internal;

import com.mysql.cj.jdbc.MysqlDataSource;
import io.headroom.core.api.fleet.Lease;
import io.headroom.core.api.fleet.LeasedRole;
import io.headroom.core.api.fleet.Leases;
import io.headroom.sharding.api.ShardReplicas;
import io.headroom.sharding.api.SwitchoverStatus;
import io.headroom.sharding.internal.core.FailoverWatch;
import io.headroom.sharding.internal.core.PrimaryQuorum;
import io.headroom.sharding.internal.core.Topology;
import io.headroom.sharding.internal.store.PrimaryViews;
import io.headroom.sharding.internal.store.SwitchoverStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
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
 * Automatic failover ({@code autoFailover}, off by default). Every node probes the primary of every shard that has
 * replicas every {@code replicaProbeMillis} with a connection of its own and records what it saw in the control schema
 * ({@link PrimaryViews}). One node of the fleet, the holder of the lease {@code sharding.failover-watch}, decides: once a
 * primary has not answered its probes for {@code failoverAfterMillis} (see {@link FailoverWatch}) and a strict majority
 * of the live nodes, itself included, saw that primary fail recently ({@link PrimaryQuorum}), it runs the operator's
 * failover ({@link ShardReplicas#failover}): the most advanced replica is promoted, the old primary fenced, and what it
 * may hold that no replica applied is reported as a GTID gap when it returns. A watcher cut off from a primary the other
 * nodes still reach waits instead (logged once); a fleet of one live node decides alone. A shard that is switching over
 * is not watched.
 */
@Component(immediate = true, service = {})
public final class AutomaticFailover {
    static final String LEASE = "sharding.failover-watch";
    private static final Duration LEASE_TTL = Duration.ofSeconds(10);
    /** Failed probes in a row needed on top of the delay (a watcher paused for the whole delay saw only one or two). */
    private static final int MIN_FAILED_PROBES = 3;
    private static final Logger LOG = LoggerFactory.getLogger(AutomaticFailover.class);

    private final ShardMap map;
    private final LeasedRole role;
    private final ShardReplicas replicas;
    private final SwitchoverStore switchovers;
    private final PrimaryViews views;
    private final FailoverWatch watch;
    /** The primary each shard's failover waits on for want of a quorum (logged once per primary). */
    private final Map<String, String> waitingForQuorum = new ConcurrentHashMap<>();
    private final ScheduledExecutorService watcher;

    @Activate
    public AutomaticFailover(@Reference ShardMap map, @Reference Leases leases, @Reference ShardReplicas replicas) {
        this.map = map;
        this.replicas = replicas;
        this.switchovers = new SwitchoverStore(map.control());
        this.views = new PrimaryViews(map.control());
        ShardingSettings s = map.settings();
        this.watch = new FailoverWatch(s.failoverAfterMillis(), MIN_FAILED_PROBES);
        this.role = new LeasedRole(leases, LEASE, LEASE_TTL, new LeasedRole.Listener() {
            @Override
            public void taken(Lease lease) {
                watch.clear();
                LOG.info("sharding: this node watches the shards' primaries for automatic failover");
            }

            @Override
            public void lost(Lease lease) {
                watch.clear();
            }
        });
        this.watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "headroom-sharding-failover-watch");
            t.setDaemon(true);
            return t;
        });
        if (s.autoFailover()) {
            watcher.scheduleWithFixedDelay(this::tick, s.replicaProbeMillis(), s.replicaProbeMillis(), TimeUnit.MILLISECONDS);
            LOG.info("sharding: automatic failover on: a primary dead for {} ms is failed over", s.failoverAfterMillis());
        }
    }

    @Deactivate
    void deactivate() {
        watcher.shutdownNow();
        try {
            watcher.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        role.close();
        if (map.settings().autoFailover()) {
            try {
                views.forget(map.node());
            } catch (SQLException e) {
                LOG.debug("sharding: cannot forget this node's views of the primaries: {}", e.getMessage());
            }
        }
    }

    private void tick() {
        try {
            Topology t = map.topology();
            Map<String, Boolean> answered = probeAndRecord(t);
            if (!holdLease()) {
                return;
            }
            Set<String> watched = new HashSet<>();
            for (Map.Entry<String, Boolean> a : answered.entrySet()) {
                String shard = a.getKey();
                if (!a.getValue() && switchovers.activeOn(shard).isPresent()) {
                    continue; // a switchover or failover of the shard is running: it decides
                }
                watched.add(shard);
                watch.observe(shard, t.shards().get(shard).url(), a.getValue(), System.currentTimeMillis());
                if (a.getValue()) {
                    waitingForQuorum.remove(shard);
                }
            }
            watch.retain(watched);
            for (String shard : watch.due(System.currentTimeMillis())) {
                if (!holdLease()) {
                    return;
                }
                String url = t.shards().get(shard).url();
                PrimaryQuorum.Verdict quorum = quorum(shard, url);
                if (!quorum.confirmed()) {
                    if (!url.equals(waitingForQuorum.put(shard, url))) {
                        LOG.warn("sharding: shard {}'s primary has not answered this node for {} ms, but the fleet does not confirm it: {};"
                                + " not failing over", shard, map.settings().failoverAfterMillis(), quorum.describe());
                    }
                    continue; // asked again at the next probe, when the other nodes' views may have caught up
                }
                waitingForQuorum.remove(shard);
                watch.attempted(shard, System.currentTimeMillis());
                failOver(shard, quorum);
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("sharding: the failover watch cannot look at the primaries: {}", e.toString());
        }
    }

    /** Probes the primary of every shard that has replicas and records this node's view; what each answered, by shard. */
    private Map<String, Boolean> probeAndRecord(Topology t) {
        Map<String, Boolean> answered = new TreeMap<>();
        for (Topology.ShardDef def : t.shards().values()) {
            if (t.replicasOf(def.name()).isEmpty()) {
                continue;
            }
            boolean a = answers(def.url());
            answered.put(def.name(), a);
            try {
                views.record(map.node(), def.name(), def.url(), a);
            } catch (SQLException e) {
                LOG.debug("sharding: cannot record this node's view of shard {}'s primary: {}", def.name(), e.getMessage());
            }
        }
        return answered;
    }

    /** Whether enough live nodes saw the primary fail (views recorded within three probes and two connect timeouts). */
    private PrimaryQuorum.Verdict quorum(String shard, String url) throws SQLException {
        ShardingSettings s = map.settings();
        long fresh = 3 * s.replicaProbeMillis() + 2L * s.connectTimeoutMillis();
        return PrimaryQuorum.decide(url, map.node(), views.liveNodes(3 * s.refreshMillis()), views.of(shard), fresh);
    }

    private void failOver(String shard, PrimaryQuorum.Verdict quorum) {
        LOG.warn("sharding: shard {}'s primary has not answered for {} ms ({}): failing it over", shard, map.settings().failoverAfterMillis(),
                quorum.describe());
        try {
            SwitchoverStatus s = replicas.failover(shard);
            LOG.warn("sharding: automatic failover {} of shard {}: {} ({})", s.id(), shard, s.state(), s.detail());
        } catch (RuntimeException e) {
            LOG.warn("sharding: automatic failover of shard {} refused, tried again in {} ms: {}", shard, map.settings().failoverAfterMillis(),
                    e.getMessage());
        }
    }

    /** Whether this node watches: it holds the lease, or takes it now (a fresh watch: nothing seen before counts). */
    private boolean holdLease() {
        return role.hold().isPresent();
    }

    /** A connection of its own (not the pool's: a pool hides a dead server behind its breaker and its waits). */
    private boolean answers(String url) {
        MysqlDataSource ds = new MysqlDataSource();
        ds.setUrl(url);
        ds.setUser(map.settings().user());
        ds.setPassword(map.settings().password());
        try {
            ds.setConnectTimeout(map.settings().connectTimeoutMillis());
            ds.setSocketTimeout((int) Math.max(1000, Math.min(map.settings().failoverAfterMillis() / 2, 10_000)));
            try (Connection c = ds.getConnection()) {
                return c.isValid(Math.max(1, map.settings().connectTimeoutMillis() / 1000));
            }
        } catch (SQLException e) {
            return false;
        }
    }
}
