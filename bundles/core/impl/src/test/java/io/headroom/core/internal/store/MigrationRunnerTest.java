package io.headroom.core.internal.store;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.store.Migration;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

public class MigrationRunnerTest {
    private String schema;
    private MysqlControlStore store;

    private static final List<Migration> V1_V2 = List.of(
            Migration.of(1, "widgets", "CREATE TABLE IF NOT EXISTS widgets (id INT PRIMARY KEY)"),
            Migration.of(2, "widget names", "ALTER TABLE widgets ADD COLUMN name VARCHAR(20)"));

    @Before
    public void setUp() throws Exception {
        schema = TestDatabase.newSchema();
        store = TestDatabase.store(schema);
    }

    @After
    public void tearDown() {
        store.deactivate();
        TestDatabase.server().dropSchema(schema);
    }

    @Test
    public void appliesEachMigrationOnceAndRecordsIt() throws Exception {
        MigrationRunner runner = new MigrationRunner(store.dataSource());
        assertEquals(List.of(1, 2), runner.migrate("widgets", V1_V2));
        assertEquals(List.of(), runner.migrate("widgets", V1_V2));
        assertEquals(List.of(3), runner.migrate("widgets", List.of(V1_V2.get(0), V1_V2.get(1),
                Migration.of(3, "index", "CREATE INDEX ix_name ON widgets (name)"))));
        long recorded = store.appliedMigrations().stream().filter(m -> m.component().equals("widgets")).count();
        assertEquals(3, recorded);
        try (Connection c = store.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE()"
                     + " AND table_name = 'widgets'")) {
            rs.next();
            assertEquals(2, rs.getInt(1));
        }
    }

    @Test
    public void nodesStartingTogetherApplyEachMigrationExactlyOnce() throws Exception {
        int nodes = 4;
        List<MysqlControlStore> stores = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            stores.add(TestDatabase.store(schema));
        }
        ExecutorService pool = Executors.newFixedThreadPool(nodes);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<Integer>>> results = new ArrayList<>();
        for (MysqlControlStore s : stores) {
            Callable<List<Integer>> task = () -> {
                start.await();
                return new MigrationRunner(s.dataSource()).migrate("widgets", V1_V2);
            };
            results.add(pool.submit(task));
        }
        start.countDown();
        List<Integer> appliedSomewhere = new ArrayList<>();
        for (Future<List<Integer>> f : results) {
            appliedSomewhere.addAll(f.get()); // a failure (e.g. duplicate column) would surface here
        }
        pool.shutdown();
        stores.forEach(MysqlControlStore::deactivate);
        appliedSomewhere.sort(Integer::compare);
        assertEquals(List.of(1, 2), appliedSomewhere);
    }

    @Test
    public void aStepInterruptedAfterItsAlterRanCompletesWhenRunAgain() throws Exception {
        try (Connection c = store.dataSource().getConnection(); Statement s = c.createStatement()) {
            // a node died after the DDL of step 2 but before recording it
            s.execute("CREATE TABLE widgets (id INT PRIMARY KEY)");
            s.execute("ALTER TABLE widgets ADD COLUMN name VARCHAR(20)");
        }
        assertEquals(List.of(1, 2), new MigrationRunner(store.dataSource()).migrate("widgets", V1_V2));
        assertThrows("a real error still fails", java.sql.SQLException.class, () -> new MigrationRunner(store.dataSource())
                .migrate("widgets", List.of(Migration.of(3, "typo", "ALTER TABLE widgets ADD COLUMN (broken"))));
    }

    @Test
    public void aMigrationEditedAfterItRanIsRefused() throws Exception {
        MigrationRunner runner = new MigrationRunner(store.dataSource());
        runner.migrate("widgets", V1_V2);
        List<Migration> edited = List.of(V1_V2.get(0), Migration.of(2, "widget names", "ALTER TABLE widgets ADD COLUMN name VARCHAR(99)"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> runner.migrate("widgets", edited));
        assertTrue(e.getMessage(), e.getMessage().contains("was changed after it was applied"));
    }

    @Test
    public void duplicateVersionsAreRejectedBeforeAnythingRuns() throws Exception {
        MigrationRunner runner = new MigrationRunner(store.dataSource());
        assertThrows(IllegalArgumentException.class, () -> runner.migrate("dup", List.of(
                Migration.of(1, "a", "CREATE TABLE a (id INT)"), Migration.of(1, "b", "CREATE TABLE b (id INT)"))));
        assertEquals(0, store.appliedMigrations().stream().filter(m -> m.component().equals("dup")).count());
    }

    @Test
    public void describeNeverShowsCredentials() {
        assertEquals("db.example:3307/headroom",
                MysqlControlStore.describe("jdbc:mysql://app:secret@db.example:3307/headroom?password=secret"));
    }
}
