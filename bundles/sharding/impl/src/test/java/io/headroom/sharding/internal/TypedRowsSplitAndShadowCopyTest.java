package io.headroom.sharding.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.core.internal.fleet.JdbcFleet;
import io.headroom.core.internal.fleet.JdbcLeases;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.MariaDbServer;
import io.headroom.fixtures.PlainControlStore;
import io.headroom.sharding.api.MoveStatus;
import io.headroom.sharding.api.SchemaChangeStatus;
import io.headroom.sharding.api.TenantShard;
import io.headroom.sharding.internal.engine.ShadowCopy;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * Every column type the Data API accepts survives a shard split and an online schema change done by shadow copy:
 * date/time with fractional seconds (TIME outside a day and negative too), ENUM/SET, BIT, unsigned BIGINT above 2^63,
 * JSON, BLOB/TEXT, NULLs. Rows are written before and, through the Data API's own path ({@code TenantShard.execute}),
 * inserted, updated and deleted while the split copies and replays and while the shadow copy copies and replays;
 * every acknowledged statement is also applied to a reference table, and afterwards the shards hold exactly the
 * reference's rows, compared as the text of every column. One node (shard map, fleet, leases, router, moves and schema
 * services) on a control schema of a real MariaDB; the source shard on one mariadbd, the split's two halves on another.
 */
public class TypedRowsSplitAndShadowCopyTest {
    static final String TYPED = "CREATE TABLE typed (tenant_id VARCHAR(63) NOT NULL, id BIGINT NOT NULL, d DECIMAL(20,4), big BIGINT,"
            + " ubig BIGINT UNSIGNED, small INT, dbl DOUBLE, dt DATETIME(6), day DATE, tm TIME(2), ts TIMESTAMP(3) NULL, yr YEAR, flag BIT(1),"
            + " bits BIT(12), e ENUM('red','green'), st SET('a','b','c'), j JSON, b BLOB, vb VARBINARY(16), txt TEXT, nul VARCHAR(5),"
            + " PRIMARY KEY (tenant_id, id))";
    private static final String INSERT = "INSERT INTO typed (tenant_id, id, d, big, ubig, small, dbl, dt, day, tm, ts, yr, flag, bits, e, st, j, b,"
            + " vb, txt, nul) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String UPDATE = "UPDATE typed SET tm = ?, e = ?, st = ?, bits = ?, ubig = ?, j = ?, dt = ?, b = ? WHERE tenant_id = ? AND id = ?";
    private static final String DELETE = "DELETE FROM typed WHERE tenant_id = ? AND id = ?";
    private static final String TEXT = "SELECT CONCAT_WS('|', tenant_id, id, IFNULL(d, 'N'), IFNULL(big, 'N'), IFNULL(ubig, 'N'), IFNULL(small, 'N'),"
            + " IFNULL(dbl, 'N'), IFNULL(dt, 'N'), IFNULL(day, 'N'), IFNULL(tm, 'N'), IFNULL(ts, 'N'), IFNULL(yr, 'N'), IFNULL(HEX(flag), 'N'),"
            + " IFNULL(HEX(bits), 'N'), IFNULL(e, 'N'), IFNULL(st, 'N'), IFNULL(j, 'N'), IFNULL(HEX(b), 'N'), IFNULL(HEX(vb), 'N'),"
            + " IFNULL(txt, 'N'), IFNULL(nul, 'N')) FROM typed";
    private static final BigInteger TOP = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final String[] TIMES = {"-12:34:56.78", "838:59:58.5", "-838:59:59", "00:00:00.01", "23:59:59.99"};
    private static final String[] SETS = {"", "a", "b,c", "a,b,c"};
    private static final int TENANTS = 24;

    private MariaDb db;
    private String control;
    private String reference;
    private MariaDbServer sourceServer;
    private MariaDbServer halvesServer;
    private String sourceUrl;
    private String lowUrl;
    private String highUrl;
    private JdbcFleet fleet;
    private JdbcLeases leases;
    private ShardMap map;
    private MysqlShardRouter router;
    private OnlineTenantMoves moves;
    private OnlineSchemaChanges schema;

    @Before
    public void setUp() throws Exception {
        sourceServer = MariaDbServer.start(Files.createTempDirectory("h-typed-split").resolve("source"), 431);
        halvesServer = MariaDbServer.start(Files.createTempDirectory("h-typed-split").resolve("halves"), 432);
        sourceUrl = sourceServer.jdbcUrl("ty0");
        lowUrl = halvesServer.jdbcUrl("tylo");
        highUrl = halvesServer.jdbcUrl("tyhi");
        db = MariaDb.machineOrEmbedded();
        String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        control = "hr_typed_c_" + suffix;
        reference = "hr_typed_r_" + suffix;
        for (String url : List.of(sourceUrl, lowUrl, highUrl, db.jdbcUrl(reference))) {
            exec(url, TYPED);
        }
        PlainControlStore store = new PlainControlStore(db, control);
        fleet = new JdbcFleet(store, TestNodes.fleetConfig("typed1"), (org.osgi.framework.BundleContext) null);
        leases = new JdbcLeases(store, fleet);
        // slow copies (40 rows a chunk, 60 ms apart) so that the writes below land in the middle of them
        map = new ShardMap(store, "typed1", new ShardingSettings(db.user(), db.password(), "tenant_id", List.of("typed"), 4, 0.5, 200, 1000, 3,
                1000, 200, 4, 30, 600_000, 40, 60, 2, 0, new ShadowCopy.Settings(40, 60, 2000, 5), 5000, 3000, 100, false, 10_000));
        MysqlShardAdmin admin = new MysqlShardAdmin(map);
        admin.addShard("t0", sourceUrl, "-");
        admin.addShard("lo", lowUrl, null);
        admin.addShard("hi", highUrl, null);
        map.reload();
        router = new MysqlShardRouter(map, TestNodes.noSignals());
        moves = new OnlineTenantMoves(map, leases);
        schema = new OnlineSchemaChanges(map, leases);
    }

    @After
    public void tearDown() throws Exception {
        if (schema != null) {
            schema.deactivate();
        }
        if (moves != null) {
            moves.deactivate();
        }
        if (router != null) {
            router.deactivate();
        }
        if (map != null) {
            map.deactivate();
        }
        if (leases != null) {
            leases.deactivate();
        }
        if (fleet != null) {
            fleet.deactivate();
        }
        if (db != null) {
            db.dropSchema(control);
            db.dropSchema(reference);
            db.close();
        }
        if (halvesServer != null) {
            halvesServer.close();
        }
        if (sourceServer != null) {
            sourceServer.close();
        }
    }

    @Test
    public void everyTypeSurvivesASplitAndAShadowCopyUnderWrites() throws Exception {
        // 24 tenants x 25 rows of every type (every 7th row NULL but for its key), on the source and the reference
        for (int t = 0; t < TENANTS; t++) {
            for (long k = 1; k <= 25; k++) {
                insertDirect(sourceUrl, tenant(t), k);
                insertDirect(db.jdbcUrl(reference), tenant(t), k);
            }
        }
        assertEquals(text(db.jdbcUrl(reference)), text(sourceUrl));

        Writer during = new Writer(1_000);
        during.start();
        MoveStatus split;
        try {
            split = moves.split("t0", "lo", "hi");
            awaitCopying(() -> moves.status(split.id()).orElseThrow().copiedRows(), 100, "the split's copy");
            MoveStatus m = awaitMove(split.id());
            assertTrue(m.verification(), m.verification().startsWith("verified"));
            Thread.sleep(300); // a few statements on the halves after the cut-over
        } finally {
            during.stop();
        }
        during.assertClean("split");
        List<String> expected = text(db.jdbcUrl(reference));
        List<String> low = text(lowUrl);
        List<String> high = text(highUrl);
        assertFalse("both halves took tenants", low.isEmpty() || high.isEmpty());
        assertEquals("the split's halves hold exactly the rows written, every column as written", expected, merged(low, high));

        // an ALTER the server cannot do in place: a shadow copy on every shard, while the writes go on
        Writer meanwhile = new Writer(2_000);
        meanwhile.start();
        SchemaChangeStatus change;
        try {
            change = schema.apply(1, "ALTER TABLE typed MODIFY d DECIMAL(22,4)", null);
            long deadline = System.currentTimeMillis() + 180_000;
            SchemaChangeStatus s;
            while (!(s = schema.status(change.version()).orElseThrow()).state().equals("DONE")) {
                assertTrue("the schema change finished: " + s, System.currentTimeMillis() < deadline && !s.state().equals("FAILED"));
                Thread.sleep(100);
            }
            change = s;
            Thread.sleep(300);
        } finally {
            meanwhile.stop();
        }
        meanwhile.assertClean("shadow copy");
        for (String shard : List.of("lo", "hi")) {
            String how = change.shards().get(shard);
            assertTrue(shard + ": " + how, how.startsWith("COPY-SHADOW") && how.contains(", verified "));
        }
        assertTrue("writes landed while the halves were copied", meanwhile.acknowledged.get() > 20);
        for (String url : List.of(lowUrl, highUrl)) {
            assertEquals(1, count(url, "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'typed'"
                    + " AND column_name = 'd' AND column_type = 'decimal(22,4)'"));
        }
        assertEquals("after the shadow copy the halves hold exactly the rows written, every column as written",
                text(db.jdbcUrl(reference)), merged(text(lowUrl), text(highUrl)));
    }

    /** Inserts, updates and deletes through the Data API's path, each acknowledged one applied to the reference too. */
    private final class Writer {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong acknowledged = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final Map<String, Long> next = new ConcurrentHashMap<>();
        final List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        final Thread thread;

        Writer(long firstId) {
            thread = new Thread(() -> {
                for (long i = 0; running.get(); i++) {
                    String tenant = tenant((int) (i % TENANTS));
                    long k = next.merge(tenant, 1L, Long::sum) + firstId;
                    try {
                        // an insert of every type; now and then an update of several types or a delete of an older row
                        apply(tenant, INSERT, insertParams(tenant, k));
                        if (i % 3 == 0) {
                            apply(tenant, UPDATE, updateParams(tenant, k - 1 > firstId ? k - 1 : 2, i));
                        }
                        if (i % 5 == 0) {
                            apply(tenant, DELETE, List.of(tenant, 3 + (i / 5) % 20));
                        }
                    } catch (RuntimeException | SQLException e) {
                        failed.incrementAndGet();
                        errors.add(e.toString());
                    }
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "typed-writes");
        }

        private void apply(String tenant, String sql, List<Object> params) throws SQLException {
            router.forTenant(TenantId.of(tenant)).withFenceHold(Duration.ofSeconds(20))
                    .execute(List.of(new TenantShard.Statement(sql, params)), 10, 10);
            acknowledged.incrementAndGet();
            try (Connection c = DriverManager.getConnection(db.jdbcUrl(reference), db.user(), db.password());
                 PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < params.size(); i++) {
                    ps.setObject(i + 1, params.get(i));
                }
                ps.executeUpdate();
            }
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(60_000);
        }

        void assertClean(String during) {
            assertEquals("no statement failed during the " + during + " (the fence held them): " + errors, 0, failed.get());
            assertTrue("statements ran during the " + during + ": " + acknowledged.get(), acknowledged.get() > 50);
        }
    }

    private static String tenant(int t) {
        return "typed-" + t;
    }

    /** Every type, its values varying with the row. */
    static List<Object> insertParams(String tenant, long k) {
        if (k % 7 == 0) {
            return Arrays.asList(tenant, k, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                    null, null);
        }
        return Arrays.asList(tenant, k,
                k % 2 == 0 ? "12345678901234.5678" : "-" + k + ".0001",
                k % 3 == 0 ? "9007199254740993" : Long.toString(Long.MIN_VALUE + k),
                TOP.subtract(BigInteger.valueOf(k)).toString(), // above 2^63
                (int) (k % 1000) - 500,
                BigDecimal.valueOf(k).add(new BigDecimal("0.5")),
                String.format("2024-02-29 13:45:07.%06d", k % 1_000_000),
                k % 2 == 0 ? "2024-02-29" : "1000-01-01",
                TIMES[(int) (k % TIMES.length)],
                String.format("2030-06-15 03:14:07.%03d", k % 1000),
                1901L + k % 250,
                k % 2 == 0,
                new byte[] {(byte) ((k >> 8) & 0x0f), (byte) k},
                k % 2 == 0 ? "green" : "red",
                SETS[(int) (k % SETS.length)],
                "{\"k\": [" + k + ", 2], \"s\": \"h\u00e9llo\"}",
                new byte[] {0, 1, (byte) k, (byte) 0xff},
                new byte[] {(byte) 0xde, (byte) 0xad, (byte) (k >> 8), (byte) k},
                "h\u00e9llo \u2713 " + k,
                k % 2 == 0 ? null : "abc");
    }

    static List<Object> updateParams(String tenant, long k, long i) {
        return Arrays.asList(TIMES[(int) ((i + 1) % TIMES.length)], i % 2 == 0 ? "red" : "green", SETS[(int) ((i + 1) % SETS.length)],
                new byte[] {0x0f, (byte) 0xff}, "9223372036854775808", "[\"u\", " + i + "]", "1999-12-31 23:59:59.999999",
                new byte[] {(byte) i, 0}, tenant, k);
    }

    private void insertDirect(String url, String tenant, long k) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, db.user(), db.password()); PreparedStatement ps = c.prepareStatement(INSERT)) {
            List<Object> params = insertParams(tenant, k);
            for (int i = 0; i < params.size(); i++) {
                ps.setObject(i + 1, params.get(i));
            }
            ps.executeUpdate();
        }
    }

    private MoveStatus awaitMove(long id) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 180_000;
        MoveStatus m;
        while (!(m = moves.status(id).orElseThrow()).state().equals("CUT_OVER")) {
            assertTrue("the split cut over: " + m, System.currentTimeMillis() < deadline && !m.state().equals("FAILED"));
            Thread.sleep(50);
        }
        return m;
    }

    private static void awaitCopying(java.util.function.LongSupplier copied, long rows, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (copied.getAsLong() < rows) {
            assertTrue(what + " began", System.currentTimeMillis() < deadline);
            Thread.sleep(20);
        }
    }

    private static List<String> merged(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        all.sort(null);
        return all;
    }

    private List<String> text(String url) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url, db.user(), db.password()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(TEXT)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        out.sort(null);
        return out;
    }

    private long count(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, db.user(), db.password()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void exec(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, db.user(), db.password()); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
