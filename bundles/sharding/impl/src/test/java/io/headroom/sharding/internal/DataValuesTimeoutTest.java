package io.headroom.sharding.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.zaxxer.hikari.HikariDataSource;
import io.headroom.fixtures.MariaDb;
import io.headroom.sharding.api.ResultLimitException;
import io.headroom.sharding.api.StatementResult;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The Data API's statement timeout on the router's one timer, against a real MariaDB: a statement still running at its
 * deadline is cancelled on the server (its change not made, its connection usable for the next statement), and the
 * deadline of a statement that returned is removed at once, so nothing is cancelled later.
 */
public class DataValuesTimeoutTest {
    private static MariaDb db;
    private static String schema;
    private static HikariDataSource pool;

    @BeforeClass
    public static void setUp() throws Exception {
        db = MariaDb.machineOrEmbedded();
        schema = "h_perf_deadline_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        try (Connection c = java.sql.DriverManager.getConnection(db.jdbcUrl(""), db.user(), db.password()); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + schema);
        }
        pool = ShardPool.dataSource("deadline-test", db.jdbcUrl(schema), db.user(), db.password(), 4, 1000, 30);
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (tenant_id VARCHAR(64) NOT NULL, id BIGINT NOT NULL, total INT NOT NULL, PRIMARY KEY (tenant_id, id))");
            s.execute("INSERT INTO orders VALUES ('acme', 1, 10), ('acme', 2, 20)");
        }
    }

    @AfterClass
    public static void tearDown() {
        if (pool != null) {
            pool.close();
        }
        if (db != null) {
            db.dropSchema(schema);
            db.close();
        }
    }

    @Test
    public void aStatementPastItsTimeoutIsCancelledAndItsConnectionServesTheNextStatement() throws Exception {
        try (StatementDeadlines deadlines = new StatementDeadlines();
             Connection holder = pool.getConnection(); Connection c = pool.getConnection()) {
            holder.setAutoCommit(false);
            try (Statement s = holder.createStatement()) {
                s.executeQuery("SELECT * FROM orders WHERE tenant_id = 'acme' AND id = 1 FOR UPDATE").close();
            }
            try (Statement s = c.createStatement()) {
                // without the cancel the update would wait 30 s for the lock and fail with a lock wait timeout instead
                s.execute("SET SESSION innodb_lock_wait_timeout = 30");
            }
            try {
                DataValues.run(c, "UPDATE orders SET total = total + 1 WHERE tenant_id = ? AND id = ?", false, new Object[] {"acme", 1}, 10, 1,
                        deadlines);
                fail("the update waits on the lock past its timeout");
            } catch (ResultLimitException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("timeout of 1 s"));
            }
            holder.rollback();
            StatementResult next = DataValues.run(c, "SELECT total FROM orders WHERE tenant_id = ? AND id = ?", true, new Object[] {"acme", 1}, 10, 5,
                    deadlines);
            assertEquals(1, next.rows().size());
            assertEquals(10L, ((Number) next.rows().get(0).get(0)).longValue()); // the cancelled update changed nothing
            assertEquals(0, deadlines.pending());
        }
    }

    @Test
    public void statementsThatReturnLeaveNoDeadlineBehind() throws SQLException {
        try (StatementDeadlines deadlines = new StatementDeadlines(); Connection c = pool.getConnection()) {
            for (int i = 0; i < 200; i++) {
                StatementResult r = DataValues.run(c, "SELECT id, total FROM orders WHERE tenant_id = ? AND id = ?", true,
                        new Object[] {"acme", 1 + i % 2}, 10, 10, deadlines);
                assertEquals(1, r.rows().size());
                DataValues.run(c, "UPDATE orders SET total = total + 1 WHERE tenant_id = ? AND id = ?", false, new Object[] {"acme", 2}, 10, 10,
                        deadlines);
            }
            assertEquals(0, deadlines.pending());
            StatementResult after = DataValues.run(c, "SELECT total FROM orders WHERE tenant_id = ? AND id = ?", true, new Object[] {"acme", 2}, 10, 10,
                    deadlines);
            assertEquals(220L, ((Number) after.rows().get(0).get(0)).longValue()); // every update ran: none was cancelled late
        }
    }
}
