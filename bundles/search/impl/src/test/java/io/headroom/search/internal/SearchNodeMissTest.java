package io.headroom.search.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.headroom.core.api.store.AppliedMigration;
import io.headroom.core.api.store.ControlStore;
import io.headroom.core.api.store.Migration;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.PlainControlStore;
import io.headroom.search.api.LayoutSpec;
import io.headroom.search.api.UnknownCollectionException;
import io.headroom.search.internal.store.SearchStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.Before;
import org.junit.Test;

/**
 * Requests for a collection the node does not know reload the snapshot from the control schema at most once per
 * 250 ms all together, not once each (misses arriving together share a reload), and a collection made before a request
 * arrived (on another node) is always found, even right after another miss reloaded. Real MariaDB (the
 * machine's, or an embedded one); no Elasticsearch is contacted. Reloads are counted as the snapshot's read of the
 * collection table on the control schema's connections.
 */
public class SearchNodeMissTest {
    private static final String RELOAD_SQL = "SELECT name, current_layout FROM search_collection";
    private static final long SPACING_MILLIS = 250;
    private static MariaDb db;
    private String schema;
    private final AtomicInteger reloads = new AtomicInteger();
    private SearchNode node;

    @Before
    public void setUp() throws Exception {
        synchronized (SearchNodeMissTest.class) {
            if (db == null) {
                db = MariaDb.machineOrEmbedded();
            }
        }
        schema = "hr_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        PlainControlStore plain = new PlainControlStore(db, schema);
        node = new SearchNode(counting(plain), null, null, config());
        // the constructor's load and the refresh loop's first run; the loop then sleeps for an hour
        long deadline = System.currentTimeMillis() + 10_000;
        while (reloads.get() < 2 && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(2, reloads.get());
    }

    @After
    public void tearDown() {
        if (node != null) {
            node.deactivate();
        }
        db.dropSchema(schema);
    }

    @AfterClass
    public static void stopServer() {
        if (db != null) {
            db.close();
            db = null;
        }
    }

    @Test
    public void unknownCollectionsReloadAtMostOncePerSpacingForAllRequests() throws Exception {
        int threads = 8;
        int each = 4;
        int before = reloads.get();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Integer>> refused = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            refused.add(pool.submit(() -> {
                int n = 0;
                for (int i = 0; i < each; i++) {
                    try {
                        node.snapshotWith("no-such-" + thread + "-" + i);
                    } catch (UnknownCollectionException e) {
                        n++;
                    }
                }
                return n;
            }));
        }
        int n = 0;
        for (Future<Integer> f : refused) {
            n += f.get();
        }
        pool.shutdown();
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(threads * each, n);
        int missReloads = reloads.get() - before;
        assertTrue("the first miss reloads", missReloads >= 1);
        assertTrue(missReloads + " reloads for " + n + " requests in " + elapsedMillis + " ms",
                missReloads <= 1 + elapsedMillis / SPACING_MILLIS);
        // the node's own meters count the same
        assertEquals(threads * each, node.misses());
        assertEquals(missReloads, node.missReloads());
    }

    @Test
    public void aCollectionMadeOnAnotherNodeIsFoundByEveryRequestThatArrivesAfter() throws Exception {
        try {
            node.snapshotWith("tickets");
            fail("not there yet");
        } catch (UnknownCollectionException expected) {
            // and this miss reloaded a moment ago
        }
        new SearchStore(new PlainControlStore(db, schema).dataSource()).insertCollection("tickets",
                new LayoutSpec(1, Set.of(), "{\"properties\":{\"title\":{\"type\":\"text\"}}}", "{}"));
        int before = reloads.get();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Boolean>> found = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            found.add(pool.submit(() -> node.snapshotWith("tickets").current().containsKey("tickets")));
        }
        for (Future<Boolean> f : found) {
            assertTrue("found at once, though a miss reloaded just before", f.get());
        }
        pool.shutdown();
        // they arrive within the first one's wait for the spacing, so they share its reload (a second one only if a
        // thread of the pool starts later than that on a loaded machine)
        int shared = reloads.get() - before;
        assertTrue(shared + " reloads for eight requests arriving together", shared >= 1 && shared <= 2);
        node.snapshotWith("tickets"); // known now: no reload
        assertEquals(shared, reloads.get() - before);
    }

    private static SearchConfig config() {
        return (SearchConfig) Proxy.newProxyInstance(SearchConfig.class.getClassLoader(), new Class<?>[] {SearchConfig.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "refreshMillis" -> 3_600_000L;
                    case "annotationType" -> SearchConfig.class;
                    default -> method.getDefaultValue();
                });
    }

    /** The real control store, its connections counting the snapshot's reads of the collection table. */
    private ControlStore counting(ControlStore real) {
        DataSource ds = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    Object result = invoke(real.dataSource(), method, args);
                    return result instanceof Connection c ? countingConnection(c) : result;
                });
        return new ControlStore() {
            @Override
            public DataSource dataSource() {
                return ds;
            }

            @Override
            public void migrate(String component, List<Migration> migrations) {
                real.migrate(component, migrations);
            }

            @Override
            public List<AppliedMigration> appliedMigrations() {
                return real.appliedMigrations();
            }

            @Override
            public String describe() {
                return real.describe();
            }
        };
    }

    private Connection countingConnection(Connection c) {
        return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("prepareStatement") && RELOAD_SQL.equals(args[0])) {
                        reloads.incrementAndGet();
                    }
                    return invoke(c, method, args);
                });
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
