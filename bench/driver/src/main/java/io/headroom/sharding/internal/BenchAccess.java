package io.headroom.sharding.internal;

import io.headroom.core.api.signal.Signals;
import io.headroom.core.api.store.ControlStore;
import io.headroom.core.internal.fleet.JdbcFleet;
import io.headroom.core.internal.fleet.JdbcLeases;
import io.headroom.sharding.internal.engine.ShadowCopy;
import java.lang.annotation.Annotation;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;

/**
 * The sharding components built outside OSGi for the benchmark (same package, plain class path) and wired as
 * Declarative Services wires them: the code the capability runs, with the pool settings the direct baseline uses too.
 */
public final class BenchAccess {
    private BenchAccess() {
    }

    /** The shards' replicas, switchovers and failovers on the capability's shard map and leases; close it before the rest. */
    public static MysqlShardReplicas replicas(Sharding sharding) {
        return new MysqlShardReplicas(sharding.map(), sharding.leases());
    }

    public static void close(MysqlShardReplicas replicas) {
        replicas.deactivate();
    }

    /** The automatic failover watch (it watches only when the settings turn it on); stop it with {@link #close(AutoCloseable)}. */
    public static AutoCloseable automaticFailover(Sharding sharding, MysqlShardReplicas replicas) {
        AutomaticFailover watch = new AutomaticFailover(sharding.map(), sharding.leases(), replicas);
        return watch::deactivate;
    }

    /** The capability's services over one shard map, with the core's fleet and leases on the same control schema. */
    public record Sharding(ShardMap map, MysqlShardRouter router, MysqlShardAdmin admin, OnlineTenantMoves moves, OnlineSchemaChanges schema,
            JdbcFleet fleet, JdbcLeases leases) implements AutoCloseable {
        /** The router's own pool of a shard (the baseline fan-out runs on the same pools). */
        public DataSource pool(String shard) {
            return map.shard(shard);
        }

        @Override
        public void close() {
            schema.deactivate();
            moves.deactivate();
            router.deactivate();
            map.deactivate();
            leases.deactivate();
            fleet.deactivate();
        }
    }

    public static Sharding start(ControlStore control, Signals signals, List<String> tables, int poolSize, long refreshMillis) throws SQLException {
        return start(control, signals, tables, poolSize, refreshMillis, 0);
    }

    /** As above; {@code failoverAfterMillis} above 0 turns automatic failover on with that delay (see {@link #automaticFailover}). */
    public static Sharding start(ControlStore control, Signals signals, List<String> tables, int poolSize, long refreshMillis,
            long failoverAfterMillis) throws SQLException {
        JdbcFleet fleet = new JdbcFleet(control, fleetConfig(), null);
        JdbcLeases leases = new JdbcLeases(control, fleet);
        ShardMap map = new ShardMap(control, fleet.nodeId(), new ShardingSettings("root", "", "tenant_id", tables, poolSize, 0.5, 200, 1000, 3,
                1000, refreshMillis, 16, 30, 600_000, 1000, 0, 2, 0, ShadowCopy.Settings.DEFAULTS, 5000, 3000, 250, failoverAfterMillis > 0,
                failoverAfterMillis > 0 ? failoverAfterMillis : 10_000));
        return new Sharding(map, new MysqlShardRouter(map, signals), new MysqlShardAdmin(map), new OnlineTenantMoves(map, leases),
                new OnlineSchemaChanges(map, leases), fleet, leases);
    }

    private static JdbcFleet.Config fleetConfig() {
        return new JdbcFleet.Config() {
            public String nodeId() {
                return "bench";
            }

            public long heartbeatMillis() {
                return 1000;
            }

            public long liveMillis() {
                return 10_000;
            }

            public Class<? extends Annotation> annotationType() {
                return JdbcFleet.Config.class;
            }
        };
    }

    /** A pool with exactly the settings of the router's per-shard pools. */
    public static DataSource directPool(String name, String url, int poolSize) {
        return ShardPool.dataSource(name, url, "root", "", poolSize, 1000, 30);
    }
}
