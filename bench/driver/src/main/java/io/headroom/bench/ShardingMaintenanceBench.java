package io.headroom.bench;

import io.headroom.core.api.TenantId;
import io.headroom.sharding.api.MoveStatus;
import io.headroom.sharding.api.SchemaChangeStatus;
import io.headroom.sharding.api.ShardUnavailableException;
import io.headroom.sharding.api.TenantShard;
import io.headroom.sharding.internal.BenchAccess;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The sharding benchmark's maintenance under writers: a tenant move and an online schema change on a big table (parts {@code move} and {@code schema} of {@link ShardingBench}). */
final class ShardingMaintenanceBench {
    private static final java.util.concurrent.atomic.AtomicBoolean STOP = new java.util.concurrent.atomic.AtomicBoolean();

    private ShardingMaintenanceBench() {
    }

    // ---------------------------------------------------------------- (3) a tenant move under 200 writes/s

    static void move(BenchAccess.Sharding router, Map<String, String> urls) throws Exception {
        String mover = "mover";
        int rows = 50_000;
        router.admin().pin(TenantId.of(mover), "s0");
        for (int from = 0; from < rows; from += 500) {
            StringBuilder sql = new StringBuilder("INSERT INTO orders (tenant_id, id, status, total) VALUES ");
            List<Object> params = new ArrayList<>();
            for (int k = from; k < from + 500; k++) {
                sql.append(k == from ? "" : ", ").append("(?, ?, 'paid', ?)");
                params.addAll(List.of(mover, k, k % 100));
            }
            router.router().forTenant(TenantId.of(mover)).update(sql.toString(), params.toArray());
        }
        List<String> writers = List.of(mover, ShardingBench.tenant(1), ShardingBench.tenant(2), ShardingBench.tenant(3));
        Map<String, Map<Long, Long>> acked = new ConcurrentHashMap<>();
        Map<String, Long> gaps = new ConcurrentHashMap<>();
        AtomicLong failed = new AtomicLong();
        AtomicLong writes = new AtomicLong();
        STOP.set(false);
        List<Thread> threads = new ArrayList<>();
        for (String w : writers) {
            Map<Long, Long> mine = new ConcurrentHashMap<>();
            acked.put(w, mine);
            Thread t = new Thread(() -> {
                long next = 1_000_000;
                long last = System.nanoTime();
                Random random = new Random(w.hashCode());
                while (!STOP.get()) {
                    long started = System.nanoTime();
                    boolean insert = mine.isEmpty() || random.nextBoolean();
                    long id = insert ? next : new ArrayList<>(mine.keySet()).get(random.nextInt(mine.size()));
                    while (!STOP.get()) {
                        try {
                            TenantShard h = router.router().forTenant(TenantId.of(w));
                            if (insert) {
                                h.update("INSERT INTO orders (tenant_id, id, status, total) VALUES (?, ?, 'open', 0)", w, id);
                                mine.put(id, 0L);
                                next++;
                            } else {
                                h.update("UPDATE orders SET total = total + 1 WHERE tenant_id = ? AND id = ?", w, id);
                                mine.merge(id, 1L, Long::sum);
                            }
                            writes.incrementAndGet();
                            long now = System.nanoTime();
                            gaps.merge(w, (now - last) / 1_000_000, Math::max);
                            last = now;
                            break;
                        } catch (ShardUnavailableException e) {
                            try {
                                Thread.sleep(5); // held by the cut-over fence: the same write again
                            } catch (InterruptedException ie) {
                                return;
                            }
                        } catch (RuntimeException e) {
                            failed.incrementAndGet();
                            break;
                        }
                    }
                    long sleep = 20 - (System.nanoTime() - started) / 1_000_000; // 50/s per writer, 200/s in all
                    if (sleep > 0) {
                        try {
                            Thread.sleep(sleep);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            });
            threads.add(t);
            t.start();
        }
        Thread.sleep(2000);
        long startedAt = System.nanoTime();
        MoveStatus m = router.moves().move(TenantId.of(mover), "s1");
        long copiedAt = 0;
        while (true) {
            MoveStatus s = router.moves().status(m.id()).orElseThrow();
            if (copiedAt == 0 && !s.state().equals("COPYING")) {
                copiedAt = System.nanoTime();
            }
            if (s.state().equals("CUT_OVER")) {
                break;
            }
            if (s.state().equals("FAILED")) {
                throw new IllegalStateException("move failed: " + s);
            }
            Thread.sleep(20);
        }
        long cutOverAt = System.nanoTime();
        Thread.sleep(2000);
        STOP.set(true);
        for (Thread t : threads) {
            t.join();
        }
        MoveStatus done = router.moves().status(m.id()).orElseThrow();
        long differences = 0;
        for (String w : writers) {
            String url = urls.get(router.router().locate(TenantId.of(w)).shard());
            Map<Long, Long> got = new HashMap<>();
            try (Connection c = java.sql.DriverManager.getConnection(url, "root", "");
                 PreparedStatement ps = c.prepareStatement("SELECT id, total FROM orders WHERE tenant_id = ? AND id >= 1000000")) {
                ps.setString(1, w);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        got.put(rs.getLong(1), rs.getBigDecimal(2).longValue());
                    }
                }
            }
            Map<Long, Long> want = acked.get(w);
            for (Long id : want.keySet()) {
                if (!want.get(id).equals(got.get(id))) {
                    differences++;
                }
            }
            for (Long id : got.keySet()) {
                if (!want.containsKey(id)) {
                    differences++;
                }
            }
        }
        long preloaded;
        try (Connection c = java.sql.DriverManager.getConnection(urls.get("s1"), "root", "");
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM orders WHERE tenant_id = 'mover' AND id < 1000000")) {
            rs.next();
            preloaded = rs.getLong(1);
        }
        differences += Math.abs(preloaded - rows);
        double copySeconds = (copiedAt - startedAt) / 1e9;
        System.out.printf(Locale.ROOT, "tenant move of %d rows (s0 on server a -> s1 on server b) under %d writers x 50 writes/s (200/s), copy chunks of 1000 rows%n",
                rows, writers.size());
        System.out.printf(Locale.ROOT, "copy phase %.2f s = %.0f rows/s; start to cut-over %.2f s; %d writes acknowledged, %d failed%n",
                copySeconds, rows / copySeconds, (cutOverAt - startedAt) / 1e9, writes.get(), failed.get());
        System.out.printf("longest gap between successful writes, ms: moving tenant %d, others %s%n", gaps.get(mover),
                gaps.entrySet().stream().filter(e -> !e.getKey().equals(mover)).map(e -> e.getKey() + "=" + e.getValue()).toList());
        System.out.printf("differences between acknowledged writes (and the %d preloaded rows) and the target: %d; verification: %s%n", rows, differences,
                done.verification());
        router.moves().cleanup(m.id());
    }

    // ---------------------------------------------------------------- (4) online schema change on a big table

    static void schemaChange(BenchAccess.Sharding router, Map<String, String> urls, int bigRows) throws Exception {
        long t0 = System.nanoTime();
        ShardingBench.exec(urls.get("s2"), "INSERT INTO orders (tenant_id, id, status, total) SELECT 'bulk', seq, 'open', seq % 500 FROM seq_1_to_" + bigRows);
        System.out.printf(Locale.ROOT, "schema change: %d extra rows loaded into shard s2 in %.1f s%n", bigRows, (System.nanoTime() - t0) / 1e9);
        List<String> writers = List.of(ShardingBench.tenant(4), ShardingBench.tenant(5), ShardingBench.tenant(6), ShardingBench.tenant(7));
        AtomicLong failed = new AtomicLong();
        AtomicLong writes = new AtomicLong();
        AtomicLong maxMillis = new AtomicLong();
        STOP.set(false);
        List<Thread> threads = new ArrayList<>();
        for (String w : writers) {
            Thread t = new Thread(() -> {
                long next = 2_000_000;
                while (!STOP.get()) {
                    long s = System.nanoTime();
                    try {
                        router.router().forTenant(TenantId.of(w)).update("INSERT INTO orders (tenant_id, id, status, total) VALUES (?, ?, 'open', 0)", w, next++);
                        writes.incrementAndGet();
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                    }
                    long took = (System.nanoTime() - s) / 1_000_000;
                    maxMillis.accumulateAndGet(took, Math::max);
                    try {
                        Thread.sleep(Math.max(0, 20 - took));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            threads.add(t);
            t.start();
        }
        Thread.sleep(1000);
        String[] ddl = {"ALTER TABLE orders ADD COLUMN note VARCHAR(40) NULL", "ALTER TABLE orders ADD INDEX by_status (status)"};
        for (int v = 1; v <= ddl.length; v++) {
            long s = System.nanoTime();
            router.schema().apply(v, ddl[v - 1]);
            SchemaChangeStatus st;
            while (!(st = router.schema().status(v).orElseThrow()).state().equals("DONE")) {
                if (st.state().equals("FAILED")) {
                    throw new IllegalStateException("schema change failed: " + st);
                }
                Thread.sleep(20);
            }
            System.out.printf(Locale.ROOT, "  v%d %s: %.2f s on %d shards (s2 has %d rows), methods %s%n", v, ddl[v - 1], (System.nanoTime() - s) / 1e9,
                    st.shards().size(), bigRows + ShardingBench.TENANTS / ShardingBench.SHARDS * ShardingBench.ROWS_PER_TENANT, new java.util.TreeSet<>(st.shards().values()));
        }
        Thread.sleep(1000);
        STOP.set(true);
        for (Thread t : threads) {
            t.join();
        }
        System.out.printf("writes during both changes: %d acknowledged, %d failed, slowest write %d ms (4 writers x 50/s)%n", writes.get(), failed.get(), maxMillis.get());
    }
}
