package io.headroom.core.internal.store;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.headroom.core.api.metrics.Metrics;
import io.headroom.core.api.store.ControlStore;
import java.sql.SQLException;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The control schema's HikariCP pool as metrics, read when scraped from the pool in use (a switchover replaces it):
 * connections active, idle and in all, and callers waiting for one.
 */
@Component(immediate = true)
public final class ControlPoolMeters {

    @Activate
    public ControlPoolMeters(@Reference Metrics metrics, @Reference ControlStore store) {
        metrics.gauge("headroom_control_pool_connections", "The control schema's connection pool: connections by state"
                + " (active, idle, total) and callers waiting (waiting)", List.of("state"), s -> {
                    HikariPoolMXBean pool = pool(store);
                    if (pool != null) {
                        s.sample(pool.getActiveConnections(), "active");
                        s.sample(pool.getIdleConnections(), "idle");
                        s.sample(pool.getTotalConnections(), "total");
                        s.sample(pool.getThreadsAwaitingConnection(), "waiting");
                    }
                });
    }

    private static HikariPoolMXBean pool(ControlStore store) {
        try {
            return store.dataSource().unwrap(HikariDataSource.class).getHikariPoolMXBean();
        } catch (SQLException e) {
            return null;
        }
    }
}
