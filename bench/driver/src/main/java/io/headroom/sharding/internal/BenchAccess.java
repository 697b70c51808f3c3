package io.headroom.sharding.internal;

import io.headroom.core.api.signal.Signals;
import io.headroom.core.api.store.ControlStore;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;

/**
 * The sharding component built outside OSGi for the benchmark (same package, plain class path): the code the
 * capability runs, with the pool settings the direct baseline uses too.
 */
public final class BenchAccess {
    private BenchAccess() {
    }

    public static ShardingService service(ControlStore control, Signals signals, List<String> tables, int poolSize, long refreshMillis)
            throws SQLException {
        return new ShardingService(control, signals, new ShardingSettings("root", "", "tenant_id", tables, poolSize, 0.5, 200, 1000, 3, 1000,
                refreshMillis, 16, 30), 600_000, 1000, 0, 2, 0);
    }

    /** A pool with exactly the settings of the router's per-shard pools. */
    public static DataSource directPool(String name, String url, int poolSize) {
        return ShardPool.dataSource(name, url, "root", "", poolSize, 1000, 30);
    }

    public static void stop(ShardingService s) {
        s.deactivate();
    }
}
