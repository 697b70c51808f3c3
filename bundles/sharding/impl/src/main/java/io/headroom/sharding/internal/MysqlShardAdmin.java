package io.headroom.sharding.internal;

import io.headroom.core.api.TenantId;
import io.headroom.sharding.api.KeyRange;
import io.headroom.sharding.api.ShardAdmin;
import io.headroom.sharding.api.ShardInfo;
import io.headroom.sharding.api.TenantLoad;
import io.headroom.sharding.api.TenantLocation;
import io.headroom.sharding.internal.core.Topology;
import io.headroom.sharding.internal.store.TopologyStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The operator's view and levers on the shared {@link ShardMap}: shards, pins and per-tenant load. */
@Component(service = ShardAdmin.class)
public final class MysqlShardAdmin implements ShardAdmin {
    private static final Logger LOG = LoggerFactory.getLogger(MysqlShardAdmin.class);

    private final ShardMap map;
    private final ShardingSettings settings;
    private final TopologyStore store;

    @Activate
    public MysqlShardAdmin(@Reference ShardMap map) {
        this.map = map;
        this.settings = map.settings();
        this.store = map.store();
    }

    @Override
    public List<ShardInfo> shards() {
        Topology t = map.topology();
        Map<String, Integer> tenants = new HashMap<>();
        Map<String, Integer> pinned = new HashMap<>();
        try {
            for (String id : store.tenants()) {
                if (!TenantId.isValid(id)) {
                    continue;
                }
                t.route(TenantId.of(id)).ifPresent(s -> tenants.merge(s.name(), 1, Integer::sum));
            }
        } catch (SQLException e) {
            LOG.warn("sharding: cannot count tenants: {}", e.getMessage());
        }
        t.pins().forEach((tenant, shard) -> pinned.merge(shard, 1, Integer::sum));
        List<ShardInfo> out = new ArrayList<>();
        for (Topology.ShardDef s : t.shards().values()) {
            out.add(info(s, tenants.getOrDefault(s.name(), 0), pinned.getOrDefault(s.name(), 0)));
        }
        out.sort(Comparator.comparing(ShardInfo::name));
        return out;
    }

    private ShardInfo info(Topology.ShardDef s, int tenants, int pinned) {
        ShardPool p = map.pool(s.name());
        long q = 0;
        long err = 0;
        long micros = 0;
        if (p != null) {
            for (ShardPool.Load l : p.load.values()) {
                q += l.queries.sum();
                err += l.errors.sum();
                micros += l.latencyMicros.sum();
            }
        }
        return new ShardInfo(s.name(), s.range() == null ? null : s.range().toString(), s.url(), tenants, pinned,
                p == null ? "UNKNOWN" : p.health(), q, err, q == 0 ? 0 : micros / 1000.0 / q,
                p == null ? 0 : p.activeConnections(), p == null ? 0 : p.poolSize, map.replicaInfos(s.name()),
                map.queryTimes.millis(s.name(), 0.5), map.queryTimes.millis(s.name(), 0.99));
    }

    @Override
    public synchronized ShardInfo addShard(String name, String jdbcUrl, String keyRange) {
        KeyRange range = keyRange == null || keyRange.isBlank() ? null : KeyRange.parse(keyRange);
        String url = jdbcUrl == null ? null : jdbcUrl.trim();
        try {
            map.reload();
            map.topology().validateNewShard(name, url, range);
            checkReachable(url);
            bringToSchema(url);
            store.addShard(name, url, range);
            map.reload();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record the shard in the control schema: " + e.getMessage(), e);
        }
        return info(map.topology().shards().get(name), 0, 0);
    }

    /** The new shard gets every sharded table (recorded definitions) before it is in the topology and takes any tenant. */
    private void bringToSchema(String url) throws SQLException {
        com.mysql.cj.jdbc.MysqlDataSource ds = new com.mysql.cj.jdbc.MysqlDataSource();
        ds.setUrl(url);
        ds.setUser(settings.user());
        ds.setPassword(settings.password());
        ds.setConnectTimeout(3000);
        map.bringToSchema(ds);
    }

    private void checkReachable(String url) {
        com.mysql.cj.jdbc.MysqlDataSource ds = new com.mysql.cj.jdbc.MysqlDataSource();
        ds.setUrl(url);
        ds.setUser(settings.user());
        ds.setPassword(settings.password());
        try {
            ds.setConnectTimeout(3000);
        } catch (SQLException e) {
            throw new IllegalArgumentException("bad shard URL: " + e.getMessage());
        }
        try (Connection c = ds.getConnection()) {
            if (!c.isValid(3)) {
                throw new IllegalArgumentException("shard database at " + url + " does not answer");
            }
        } catch (SQLException e) {
            throw new IllegalArgumentException("cannot connect to the shard database at " + url + ": " + e.getMessage());
        }
    }

    @Override
    public synchronized TenantLocation pin(TenantId tenant, String shard) {
        try {
            map.reload();
            Topology topology = map.topology();
            if (!topology.shards().containsKey(shard)) {
                throw new IllegalArgumentException("no shard " + shard);
            }
            Topology.ShardDef now = topology.route(tenant).orElse(null);
            if (now != null && !now.name().equals(shard)) {
                requireNoRows(tenant, now.name());
            }
            store.pin(tenant.value(), shard);
            map.reload();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record the pin in the control schema: " + e.getMessage(), e);
        }
        return map.locate(tenant);
    }

    @Override
    public synchronized TenantLocation unpin(TenantId tenant) {
        try {
            map.reload();
            Topology topology = map.topology();
            if (!topology.pinned(tenant)) {
                throw new IllegalArgumentException("tenant " + tenant + " is not pinned");
            }
            Topology.ShardDef now = topology.route(tenant).orElseThrow();
            Topology.ShardDef after = topology.withoutPin(tenant).route(tenant).orElse(null);
            if (after == null || !after.name().equals(now.name())) {
                requireNoRows(tenant, now.name());
            }
            store.unpin(tenant.value());
            map.reload();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot remove the pin in the control schema: " + e.getMessage(), e);
        }
        return map.locate(tenant);
    }

    /** Re-routing a tenant that has rows would strand them: that is a move, not a pin. */
    private void requireNoRows(TenantId tenant, String shard) {
        ShardPool p = map.pool(shard);
        for (String table : map.shardedTables()) {
            String t = table.toLowerCase(Locale.ROOT);
            boolean has = p.run(ShardPool.SCATTER_BUCKET, conn -> {
                try (PreparedStatement ps = conn.prepareStatement("SELECT 1 FROM `" + t + "` WHERE `" + settings.tenantColumn() + "` = ? LIMIT 1")) {
                    ps.setString(1, tenant.value());
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next();
                    }
                } catch (SQLException e) {
                    if ("42S02".equals(e.getSQLState())) {
                        return false; // table not created on this shard yet: no rows
                    }
                    throw e;
                }
            });
            if (has) {
                throw new IllegalStateException("tenant " + tenant + " has rows in " + t + " on shard " + shard
                        + ": re-routing it would strand them; move the tenant instead");
            }
        }
    }

    @Override
    public List<TenantLoad> tenantLoad() {
        List<TenantLoad> out = new ArrayList<>();
        for (ShardPool p : map.pools()) {
            p.load.forEach((tenant, l) -> {
                long q = l.queries.sum();
                out.add(new TenantLoad(tenant, p.name, q, l.errors.sum(), q == 0 ? 0 : l.latencyMicros.sum() / 1000.0 / q,
                        l.maxLatencyMicros.get() / 1000, l.refused.sum(), p.gate.inUse(tenant)));
            });
        }
        out.sort(Comparator.comparing(TenantLoad::shard).thenComparing(TenantLoad::tenant));
        return out;
    }

    @Override
    public long routingVersion() {
        return map.topology().version();
    }

    @Override
    public List<String> shardedTables() {
        return List.copyOf(map.shardedTables());
    }
}
