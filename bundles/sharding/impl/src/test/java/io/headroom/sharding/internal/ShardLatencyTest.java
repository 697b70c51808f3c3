package io.headroom.sharding.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.metrics.Histogram;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.PlainControlStore;
import io.headroom.sharding.api.KeyRange;
import io.headroom.sharding.api.ShardAdmin;
import io.headroom.sharding.api.ShardInfo;
import io.headroom.sharding.api.TenantMoves;
import io.headroom.sharding.internal.shell.ListCommandAccess;
import io.headroom.sharding.internal.store.ControlSchema;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * A shard's statement latency as operators read it: every statement on its primary observed in the shard's query
 * duration histogram, shown as p50/p99 (from the histogram's quantiles) in {@code shard:list} and the console; a shard
 * removed from the topology takes its series with it.
 */
public class ShardLatencyTest {
    /** A histogram by shard that keeps every value, its quantiles by nearest rank; what it was asked to forget. */
    static final class KeptValues implements Histogram {
        final Map<String, List<Double>> values = new ConcurrentHashMap<>();
        final List<String> forgotten = new CopyOnWriteArrayList<>();

        @Override
        public void observe(double value, String... labelValues) {
            values.computeIfAbsent(labelValues[0], k -> new CopyOnWriteArrayList<>()).add(value);
        }

        @Override
        public double quantile(double q, String... labelValues) {
            List<Double> v = new ArrayList<>(values.getOrDefault(labelValues[0], List.of()));
            if (v.isEmpty()) {
                return Double.NaN;
            }
            v.sort(null);
            return v.get((int) Math.min(v.size() - 1, Math.ceil(q * v.size()) - 1));
        }

        @Override
        public void forget(String labelName, String value) {
            forgotten.add(labelName + "=" + value);
            if (labelName.equals("shard")) {
                values.remove(value);
            }
        }
    }

    private MariaDb db;
    private String control;
    private String shard;
    private TestSharding node;

    @Before
    public void setUp() throws Exception {
        db = MariaDb.machineOrEmbedded();
        String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        control = "hr_lat_c_" + suffix;
        shard = "hr_lat_s_" + suffix;
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(shard), db.user(), db.password()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE notes (tenant_id VARCHAR(64) NOT NULL, id BIGINT NOT NULL, n INT NOT NULL, PRIMARY KEY (tenant_id, id))");
            s.execute("INSERT INTO notes VALUES ('t0', 1, 0)");
        }
        PlainControlStore store = new PlainControlStore(db, control);
        store.migrate(ControlSchema.COMPONENT, ControlSchema.MIGRATIONS);
        node = TestSharding.start(store, "node-a", db.user(), db.password(), List.of("notes"), 4, 1.0, 1000, 60_000);
        node.store().addShard("s0", db.jdbcUrl(shard), KeyRange.parse("-"));
        node.reload();
    }

    @After
    public void tearDown() {
        if (node != null) {
            node.close();
        }
        for (String schema : new String[] {control, shard}) {
            if (schema != null) {
                db.dropSchema(schema);
            }
        }
        db.close();
    }

    @Test
    public void statementsGiveTheShardsP50AndP99AndARemovedShardDropsItsSeries() throws Exception {
        KeptValues histogram = new KeptValues();
        MysqlShardAdmin admin = new MysqlShardAdmin(node.map());
        ShardInfo before = admin.shards().get(0);
        assertNull("no statement yet", before.p50LatencyMillis());
        assertNull(before.p99LatencyMillis());

        node.map().queryTimes.recordInto(histogram);
        for (int i = 0; i < 20; i++) {
            node.router().forTenant(TenantId.of("t0")).update("UPDATE notes SET n = n + 1 WHERE tenant_id = ? AND id = 1", "t0");
        }
        List<Double> seen = histogram.values.get("s0");
        assertTrue("each statement observed, in seconds: " + seen, seen != null && seen.size() >= 20 && seen.stream().allMatch(v -> v > 0 && v < 30));
        ShardInfo s0 = admin.shards().get(0);
        assertEquals(histogram.quantile(0.5, "s0") * 1000, s0.p50LatencyMillis(), 1e-9);
        assertEquals(histogram.quantile(0.99, "s0") * 1000, s0.p99LatencyMillis(), 1e-9);
        assertTrue(s0.p50LatencyMillis() <= s0.p99LatencyMillis());

        node.store().change(c -> {
            try (Statement s = c.createStatement()) {
                s.executeUpdate("DELETE FROM shard_shards WHERE name = 's0'");
            }
        });
        node.reload();
        assertEquals(List.of("shard=s0"), histogram.forgotten);
        assertTrue(admin.shards().isEmpty());
    }

    @Test
    public void shardListAndTheConsoleShowP50AndP99() throws Exception {
        List<ShardInfo> shards = List.of(
                new ShardInfo("s0", "-80", "jdbc:mysql://db0/s0", 3, 0, "UP", 120, 0, 9.9, 1, 8, List.of(), 1.234, 48.75),
                new ShardInfo("s1", null, "jdbc:mysql://db1/s1", 0, 1, "UP", 0, 0, 0, 0, 8, List.of(), null, null));
        ShardAdmin admin = stub(ShardAdmin.class, Map.of("shards", shards, "routingVersion", 7L, "shardedTables", List.of("notes")));
        TenantMoves moves = stub(TenantMoves.class, Map.of("list", List.of()));

        String html = new ShardPanel(admin, moves).html();
        assertTrue(html, html.contains("<th>p50</th><th>p99</th>"));
        assertTrue(html, html.contains("<td class=\"n\">1.23 ms</td><td class=\"n\">48.8 ms</td>")
                || html.contains("<td class=\"n\">1.23 ms</td><td class=\"n\">48.7 ms</td>"));
        assertTrue("no statement yet: a dash " + html, html.contains("<td class=\"n\">-</td><td class=\"n\">-</td>"));
        assertTrue("no mean any more " + html, !html.contains("Mean"));

        String table = ListCommandAccess.print(admin);
        String header = table.lines().findFirst().orElse("");
        assertTrue(table, header.contains("p50") && header.contains("p99") && !header.contains("Mean"));
        String s0 = table.lines().filter(l -> l.contains("jdbc:mysql://db0/s0")).findFirst().orElse("");
        assertTrue(table, s0.contains("1.23 ms") && s0.contains("48.") && !s0.contains("9.9"));
        String s1 = table.lines().filter(l -> l.contains("jdbc:mysql://db1/s1")).findFirst().orElse("");
        assertTrue(table, s1.contains(" - "));
    }

    @SuppressWarnings("unchecked")
    private static <T> T stub(Class<T> type, Map<String, Object> answers) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
            if (answers.containsKey(m.getName())) {
                return answers.get(m.getName());
            }
            throw new UnsupportedOperationException(m.getName());
        });
    }
}
