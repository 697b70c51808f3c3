package io.headroom.sharding.internal;

import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import io.headroom.core.api.store.ControlStore;
import io.headroom.sharding.api.ShardRouter;
import io.headroom.sharding.internal.engine.ShadowCopy;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The shard map and the router built outside OSGi for tests of other packages (as the benchmark driver builds them):
 * the code the capability runs, on a control schema and shards of a real MariaDB.
 */
public final class TestSharding implements AutoCloseable {
    /** The outcomes the router reported (the heartbeat's signals), for tests that look at them. */
    public final List<OutcomeEvent> outcomes = new CopyOnWriteArrayList<>();
    private final ShardMap map;
    private final MysqlShardRouter router;

    private TestSharding(ShardMap map) {
        this.map = map;
        this.router = new MysqlShardRouter(map, new Signals() {
            @Override
            public void outcome(OutcomeEvent event) {
                outcomes.add(event);
            }

            @Override
            public void load(LoadSample sample) {
                // not looked at
            }
        });
    }

    /** A node {@code node} serving {@code tables}, {@code poolSize} connections per shard, {@code tenantShare} of them per tenant. */
    public static TestSharding start(ControlStore control, String node, String user, String password, List<String> tables, int poolSize,
            double tenantShare, long tenantWaitMillis, long refreshMillis) throws SQLException {
        return start(control, node, user, password, tables, poolSize, tenantShare, tenantWaitMillis, refreshMillis, 1000);
    }

    /** As above, with a shard's breaker staying open {@code breakerOpenMillis} after 3 connection failures in a row. */
    public static TestSharding start(ControlStore control, String node, String user, String password, List<String> tables, int poolSize,
            double tenantShare, long tenantWaitMillis, long refreshMillis, long breakerOpenMillis) throws SQLException {
        return new TestSharding(new ShardMap(control, node, new ShardingSettings(user, password, "tenant_id", tables, poolSize, tenantShare,
                tenantWaitMillis, 1000, 3, breakerOpenMillis, refreshMillis, 4, 30, 600_000, 1000, 0, 2, 0, ShadowCopy.Settings.DEFAULTS, 5000, 3000,
                250, false, 10_000)));
    }

    public ShardMap map() {
        return map;
    }

    public ShardRouter router() {
        return router;
    }

    /** Re-reads the topology from the control schema now (as the node's refresh does every refreshMillis). */
    public void reload() throws SQLException {
        map.reload();
    }

    public io.headroom.sharding.internal.store.TopologyStore store() {
        return map.store();
    }

    /** Connections the tenant holds on the shard's primary on this node now. */
    public int inUse(String shard, String tenant) {
        ShardPool p = map.pool(shard);
        return p == null ? 0 : p.gate.inUse(tenant);
    }

    /** The shard's state from its breaker on this node: UP, DOWN (open) or RECOVERING (half-open). */
    public String health(String shard) {
        return map.pool(shard).health();
    }

    @Override
    public void close() {
        router.deactivate();
        map.deactivate();
    }
}
