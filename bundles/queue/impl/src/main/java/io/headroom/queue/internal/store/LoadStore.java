package io.headroom.queue.internal.store;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.store.ControlStore;
import io.headroom.queue.internal.core.FleetLoad;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Each node's queue load in the control schema: per backend, scheduler scope and tenant ({@code queue_node_load}), and
 * per backend and tenant the jobs it accepted minus those it finished ({@code queue_node_open}). Every node replaces its
 * own rows at each flush and reads the other nodes' rows that are fresh (a dead node's rows age out).
 */
public final class LoadStore {
    /** A tenant's open jobs as one node counts them: accepted there minus finished there (so one node's may be negative). */
    public record Open(long open, long openHigh) {
        public Open plus(Open o) {
            return new Open(open + o.open, openHigh + o.openHigh);
        }
    }

    /** The other nodes' fresh reports. */
    public record Others(Map<FleetLoad.Key, FleetLoad.Load> loads, Map<TenantId, Open> open) {
        public static final Others NONE = new Others(Map.of(), Map.of());
    }

    private final DataSource db;
    private final String node;
    private final String backend;

    public LoadStore(DataSource db, String node, String backend) {
        this.db = db;
        this.node = node;
        this.backend = backend;
    }

    /** Replaces this node's rows with {@code loads} and {@code open} (zero entries are not written), in one transaction. */
    public void flush(Map<FleetLoad.Key, FleetLoad.Load> loads, Map<TenantId, Open> open) throws SQLException {
        try (Connection c = db.getConnection()) {
            ControlStore.replaceOwnRows(c, () -> {
                for (String table : new String[] {"queue_node_load", "queue_node_open"}) {
                    try (PreparedStatement p = c.prepareStatement("DELETE FROM " + table + " WHERE node = ? AND backend = ?")) {
                        p.setString(1, node);
                        p.setString(2, backend);
                        p.executeUpdate();
                    }
                }
                try (PreparedStatement p = c.prepareStatement("INSERT INTO queue_node_load (node, backend, scope, tenant, submitted,"
                        + " backlog, in_flight, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, NOW(3))")) {
                    int n = 0;
                    for (Map.Entry<FleetLoad.Key, FleetLoad.Load> e : loads.entrySet()) {
                        if (e.getValue().isZero()) {
                            continue;
                        }
                        p.setString(1, node);
                        p.setString(2, backend);
                        p.setString(3, e.getKey().scope());
                        p.setString(4, e.getKey().tenant().value());
                        p.setDouble(5, e.getValue().submitted());
                        p.setInt(6, e.getValue().backlog());
                        p.setInt(7, e.getValue().inFlight());
                        p.addBatch();
                        n++;
                    }
                    if (n > 0) {
                        p.executeBatch();
                    }
                }
                try (PreparedStatement p = c.prepareStatement("INSERT INTO queue_node_open (node, backend, tenant, open_jobs, open_high,"
                        + " updated_at) VALUES (?, ?, ?, ?, ?, NOW(3))")) {
                    int n = 0;
                    for (Map.Entry<TenantId, Open> e : open.entrySet()) {
                        if (e.getValue().open() == 0 && e.getValue().openHigh() == 0) {
                            continue;
                        }
                        p.setString(1, node);
                        p.setString(2, backend);
                        p.setString(3, e.getKey().value());
                        p.setLong(4, e.getValue().open());
                        p.setLong(5, e.getValue().openHigh());
                        p.addBatch();
                        n++;
                    }
                    if (n > 0) {
                        p.executeBatch();
                    }
                }
            });
        }
    }

    /**
     * The other nodes' reports written within {@code freshMillis} (by the control schema's clock); their open counts
     * whatever their age when {@code jobsOutliveNodes} (a stopped node's accepted jobs still wait in SQS, and whichever
     * node finishes them counts them off, so the sum over every row stays right), else only the fresh ones.
     */
    public Others others(long freshMillis, boolean jobsOutliveNodes) throws SQLException {
        Map<FleetLoad.Key, FleetLoad.Load> loads = new HashMap<>();
        Map<TenantId, Open> open = new HashMap<>();
        try (Connection c = db.getConnection()) {
            try (PreparedStatement p = c.prepareStatement("SELECT scope, tenant, SUM(submitted), SUM(backlog), SUM(in_flight)"
                    + " FROM queue_node_load WHERE backend = ? AND node <> ? AND updated_at >= NOW(3) - INTERVAL ? MICROSECOND"
                    + " GROUP BY scope, tenant")) {
                p.setString(1, backend);
                p.setString(2, node);
                p.setLong(3, freshMillis * 1000);
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        loads.put(new FleetLoad.Key(rs.getString(1), TenantId.of(rs.getString(2))),
                                new FleetLoad.Load(rs.getDouble(3), rs.getInt(4), rs.getInt(5)));
                    }
                }
            }
            try (PreparedStatement p = c.prepareStatement("SELECT tenant, SUM(open_jobs), SUM(open_high) FROM queue_node_open"
                    + " WHERE backend = ? AND node <> ?" + (jobsOutliveNodes ? "" : " AND updated_at >= NOW(3) - INTERVAL ? MICROSECOND")
                    + " GROUP BY tenant")) {
                p.setString(1, backend);
                p.setString(2, node);
                if (!jobsOutliveNodes) {
                    p.setLong(3, freshMillis * 1000);
                }
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        open.put(TenantId.of(rs.getString(1)), new Open(rs.getLong(2), rs.getLong(3)));
                    }
                }
            }
        }
        return new Others(loads, open);
    }

    /** This node's own open counts as last written (to carry them over a restart where jobs outlive the node). */
    public Map<TenantId, Open> ownOpen() throws SQLException {
        Map<TenantId, Open> out = new HashMap<>();
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT tenant, open_jobs, open_high FROM queue_node_open WHERE backend = ? AND node = ?")) {
            p.setString(1, backend);
            p.setString(2, node);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.put(TenantId.of(rs.getString(1)), new Open(rs.getLong(2), rs.getLong(3)));
                }
            }
        }
        return out;
    }
}
