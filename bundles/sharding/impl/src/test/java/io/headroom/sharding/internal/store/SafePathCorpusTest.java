package io.headroom.sharding.internal.store;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.zaxxer.hikari.HikariDataSource;
import io.headroom.fixtures.MariaDb;
import io.headroom.sharding.api.UnsafeStatementException;
import io.headroom.sharding.internal.core.SafePath;
import io.headroom.sharding.internal.core.ScatterPlan;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The safe path's corpus against a real MariaDB: every refused statement is refused before it reaches the server
 * (nothing changes), the comment forms are shown to escape the tenant when sent raw, and every accepted statement,
 * run as the safe path renders it, sees and changes only the tenant's rows.
 */
public class SafePathCorpusTest {
    private static MariaDb db;
    private static String schema;
    private static HikariDataSource ds;
    private static SafePath safe;

    @BeforeClass
    public static void setUp() throws Exception {
        db = MariaDb.machineOrEmbedded();
        schema = "h_shard11_safe_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        try (Connection c = java.sql.DriverManager.getConnection(db.jdbcUrl(""), db.user(), db.password()); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + schema);
        }
        ds = new HikariDataSource();
        ds.setJdbcUrl(db.jdbcUrl(schema));
        ds.setUsername(db.user());
        ds.setPassword(db.password());
        ds.setMaximumPoolSize(2);
        exec("CREATE TABLE orders (tenant_id VARCHAR(64) NOT NULL, id BIGINT NOT NULL, total DECIMAL(10,2), note VARCHAR(200),"
                + " PRIMARY KEY (tenant_id, id))");
        exec("CREATE TABLE users (id BIGINT PRIMARY KEY, tenant_id VARCHAR(64) NOT NULL, email VARCHAR(100), UNIQUE KEY (email))");
        exec("CREATE TABLE secrets (id INT PRIMARY KEY, secret VARCHAR(100))");
        for (String t : List.of("acme", "globex")) {
            for (int i = 1; i <= 3; i++) {
                exec("INSERT INTO orders VALUES (?, ?, ?, ?)", t, i, i * 10, t + " order " + i);
            }
        }
        exec("INSERT INTO users VALUES (1, 'acme', 'a@acme.test'), (2, 'globex', 'g@globex.test')");
        exec("INSERT INTO secrets VALUES (1, 'the root password')");
        Set<String> upsertSafe = ShardSchemas.upsertSafe(ds, Set.of("orders", "users"), "tenant_id");
        assertEquals("only orders has every unique key on the tenant column", Set.of("orders"), upsertSafe);
        safe = new SafePath(Set.of("orders", "users"), upsertSafe, "tenant_id");
    }

    @AfterClass
    public static void tearDown() {
        if (ds != null) {
            ds.close();
        }
        if (db != null) {
            db.dropSchema(schema);
            db.close();
        }
    }

    private static int exec(String sql, Object... params) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps.executeUpdate();
        }
    }

    private static List<List<String>> rows(String sql, Object... params) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            List<List<String>> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<String> row = new ArrayList<>();
                    for (int i = 1; i <= n; i++) {
                        row.add(rs.getString(i));
                    }
                    out.add(row);
                }
            }
            return out;
        }
    }

    /** Everything that is not acme's: must never change through acme's handle. */
    private static List<List<String>> others() throws SQLException {
        List<List<String>> all = new ArrayList<>(rows("SELECT 'o', tenant_id, id, total, note FROM orders WHERE tenant_id <> 'acme' ORDER BY tenant_id, id"));
        all.addAll(rows("SELECT 'u', tenant_id, id, email FROM users WHERE tenant_id <> 'acme' ORDER BY id"));
        all.addAll(rows("SELECT 's', id, secret FROM secrets ORDER BY id"));
        return all;
    }

    private static List<List<String>> everything() throws SQLException {
        List<List<String>> all = new ArrayList<>(others());
        all.addAll(rows("SELECT 'o', tenant_id, id, total, note FROM orders WHERE tenant_id = 'acme' ORDER BY id"));
        all.addAll(rows("SELECT 'u', tenant_id, id, email FROM users WHERE tenant_id = 'acme' ORDER BY id"));
        return all;
    }

    /** What a tenant handle does: check, verify the tenant slots, run the rendered statement. */
    private static List<List<String>> run(String sql, Object... params) throws SQLException {
        SafePath.Checked c = safe.check(sql);
        c.verify("acme", params);
        if (c.query()) {
            return rows(c.sql(), params);
        }
        exec(c.sql(), params);
        return List.of();
    }

    private static final Object[][] REFUSED = {
        // comment forms: the server runs /*! */ and /*M! */, --1 is minus minus one, the parser drops comments
        {"SELECT tenant_id, id FROM orders WHERE tenant_id = ? /*! OR 1 = 1 */", "acme"},
        {"SELECT tenant_id, id FROM orders WHERE tenant_id = ? /*M! OR 1 = 1 */", "acme"},
        {"SELECT tenant_id, id FROM orders WHERE tenant_id = ? /*!50000 OR 1 = 1 */", "acme"},
        {"SELECT tenant_id, id FROM orders WHERE tenant_id = ? /* plain comment */", "acme"},
        {"SELECT tenant_id, id FROM orders WHERE tenant_id = ? AND id = --1", "acme"},
        {"SELECT tenant_id, id FROM orders WHERE tenant_id = ? -- trailing", "acme"},
        {"SELECT tenant_id, id FROM orders WHERE tenant_id = ? # trailing", "acme"},
        {"UPDATE orders SET note = 'x' WHERE tenant_id = ? /*! OR tenant_id = 'globex' */", "acme"},
        {"DELETE FROM orders WHERE tenant_id = ? /*M! OR 1 = 1 */", "acme"},
        // text whose reading depends on settings, the driver or separators
        {"SELECT tenant_id, id FROM orders WHERE tenant_id = ? AND note = 'x\\' OR 1 = 1 OR note = \\''", "acme"},
        {"SELECT tenant_id, id FROM orders WHERE \"tenant_id\" = ?", "acme"},
        {"SELECT tenant_id, id FROM orders WHERE tenant_id = ? AND id = {fn abs(-1)}", "acme"},
        {"SELECT tenant_id, id FROM orders WHERE tenant_id = ?; DELETE FROM orders", "acme"},
        {"SELECT @@hostname FROM orders WHERE tenant_id = ?", "acme"},
        {"SELECT @x := id FROM orders WHERE tenant_id = ?", "acme"},
        // functions outside the tenant's rows
        {"SELECT LOAD_FILE('/etc/passwd') FROM orders WHERE tenant_id = ?", "acme"},
        {"SELECT SLEEP(2) FROM orders WHERE tenant_id = ?", "acme"},
        {"SELECT BENCHMARK(100000000, MD5('x')) FROM orders WHERE tenant_id = ?", "acme"},
        {"SELECT GET_LOCK('k', 10) FROM orders WHERE tenant_id = ?", "acme"},
        {"SELECT RELEASE_LOCK('k') FROM orders WHERE tenant_id = ?", "acme"},
        {"SELECT IS_USED_LOCK('k') FROM orders WHERE tenant_id = ?", "acme"},
        {"SELECT DATABASE(), USER(), VERSION() FROM orders WHERE tenant_id = ?", "acme"},
        {"SELECT id FROM orders WHERE tenant_id = ? INTO OUTFILE '/tmp/h_shard11_out'", "acme"},
        {"SELECT id FROM orders WHERE tenant_id = ? INTO DUMPFILE '/tmp/h_shard11_dump'", "acme"},
        {"SELECT table_name FROM information_schema.tables WHERE tenant_id = ?", "acme"},
        {"SELECT user FROM mysql.user WHERE tenant_id = ?", "acme"},
        {"SELECT id FROM orders WHERE tenant_id = ? PROCEDURE ANALYSE()", "acme"},
        // upserts where a unique key lacks the tenant column (users.email): the duplicate could be globex's row
        {"INSERT INTO users (id, tenant_id, email) VALUES (3, ?, 'g@globex.test') ON DUPLICATE KEY UPDATE email = 'stolen'", "acme"},
        {"REPLACE INTO users (id, tenant_id, email) VALUES (3, ?, 'g@globex.test')", "acme"},
        {"REPLACE INTO users SET id = 3, tenant_id = ?, email = 'g@globex.test'", "acme"},
        // the classic escapes
        {"SELECT tenant_id, id FROM orders WHERE tenant_id = ? OR 1 = 1", "acme"},
        {"SELECT tenant_id, id FROM orders", new Object[0]},
        {"SELECT s.secret FROM secrets s WHERE tenant_id = ?", "acme"},
        {"SELECT tenant_id, id FROM orders WHERE tenant_id = ?", "globex"},
        {"UPDATE orders SET tenant_id = 'acme' WHERE tenant_id = ?", "acme"},
        {"INSERT INTO orders (tenant_id, id) VALUES ('globex', 99)", new Object[0]},
        {"SELECT tenant_id, id FROM orders WHERE tenant_id = ? UNION SELECT tenant_id, id FROM orders", "acme"},
        {"SELECT tenant_id, id FROM orders WHERE tenant_id = ? AND id IN (SELECT id FROM secrets)", "acme"},
    };

    private static Object[] params(Object[] entry) {
        if (entry.length == 2 && entry[1] instanceof Object[] none) {
            return none;
        }
        Object[] p = new Object[entry.length - 1];
        System.arraycopy(entry, 1, p, 0, p.length);
        return p;
    }

    @Test
    public void refusedStatementsNeverReachTheServer() throws Exception {
        List<List<String>> before = everything();
        for (Object[] entry : REFUSED) {
            String sql = (String) entry[0];
            try {
                run(sql, params(entry));
                fail("accepted: " + sql);
            } catch (UnsafeStatementException expected) {
                assertFalse(expected.getMessage(), expected.getMessage().isBlank());
            }
        }
        assertEquals("no refused statement changed anything", before, everything());
        assertEquals("no lock was taken", List.of(java.util.Arrays.asList((String) null)), rows("SELECT IS_USED_LOCK('k')"));
    }

    @Test
    public void theCommentFormsWouldEscapeTheTenantIfSentRaw() throws Exception {
        // what the server itself makes of them: this is why they are refused, not merely parsed
        for (String sql : List.of("SELECT tenant_id, id FROM orders WHERE tenant_id = ? /*! OR 1 = 1 */",
                "SELECT tenant_id, id FROM orders WHERE tenant_id = ? /*M! OR 1 = 1 */")) {
            assertTrue(sql, rows(sql, "acme").stream().anyMatch(r -> r.get(0).equals("globex")));
        }
        assertEquals(List.of(List.of("acme", "1")), rows("SELECT tenant_id, id FROM orders WHERE tenant_id = ? AND id = --1", "acme"));
    }

    private static final Object[][] ACCEPTED = {
        {"SELECT tenant_id, id, total FROM orders WHERE tenant_id = ? AND id = ?", "acme", 1},
        {"SELECT tenant_id, id FROM orders WHERE id - -1 > 0 AND tenant_id = ?", "acme"},
        {"select tenant_id, count(*) from `orders` where `tenant_id` = 'acme' group by tenant_id"},
        {"SELECT o.tenant_id, o.id, u.email FROM orders o JOIN users u ON u.tenant_id = ? AND u.id = o.id WHERE o.tenant_id = ?", "acme", "acme"},
        {"SELECT tenant_id, id FROM orders WHERE tenant_id = ? AND note LIKE 'it''s%' ORDER BY id DESC LIMIT 2", "acme"},
        {"SELECT tenant_id, id FROM orders WHERE tenant_id = ? FOR UPDATE", "acme"},
        {"INSERT INTO orders (tenant_id, id, total, note) VALUES (?, 10, 1.50, 'new'), (?, 11, 2, 'new')", "acme", "acme"},
        {"INSERT INTO orders SET tenant_id = ?, id = 12, note = 'set form'", "acme"},
        {"INSERT INTO orders (tenant_id, id, total) VALUES (?, 1, 5) ON DUPLICATE KEY UPDATE total = total + 1", "acme"},
        {"REPLACE INTO orders (tenant_id, id, total, note) VALUES (?, 2, 7, 'replaced')", "acme"},
        {"INSERT INTO users (id, tenant_id, email) VALUES (5, ?, 'new@acme.test')", "acme"},
        {"UPDATE orders SET total = total * 2, note = CONCAT(note, '!') WHERE tenant_id = ? AND id > ?", "acme", 0},
        {"UPDATE users SET email = 'a2@acme.test' WHERE tenant_id = ? AND id = 1", "acme"},
        {"DELETE FROM orders WHERE tenant_id = ? AND id = 3", "acme"},
        {"DELETE FROM orders WHERE (tenant_id = ?) AND note = 'set form' LIMIT 1", "acme"},
    };

    @Test
    public void acceptedStatementsTouchOnlyTheTenantsRows() throws Exception {
        List<List<String>> others = others();
        List<List<String>> acmeBefore = rows("SELECT tenant_id, id, total, note FROM orders WHERE tenant_id = 'acme' ORDER BY id");
        for (Object[] entry : ACCEPTED) {
            String sql = (String) entry[0];
            List<List<String>> result;
            try {
                result = run(sql, params(entry));
            } catch (UnsafeStatementException e) {
                throw new AssertionError("refused: " + sql + ": " + e.getMessage(), e);
            }
            for (List<String> row : result) {
                assertEquals(sql, "acme", row.get(0));
            }
            assertEquals("after " + sql, others, others());
        }
        assertNotEquals("the accepted writes did change acme's rows", acmeBefore,
                rows("SELECT tenant_id, id, total, note FROM orders WHERE tenant_id = 'acme' ORDER BY id"));
    }

    @Test
    public void scatterFollowsTheSameRules() {
        Set<String> tables = Set.of("orders", "users");
        ScatterPlan.of("SELECT tenant_id, COUNT(*) FROM orders GROUP BY tenant_id", tables);
        for (String sql : List.of("SELECT id FROM orders /*! UNION SELECT id FROM secrets */",
                "SELECT id FROM secrets", "SELECT COUNT(*) FROM information_schema.tables",
                "SELECT id FROM orders WHERE id IN (SELECT id FROM secrets)", "SELECT GET_LOCK('k', 1) FROM orders",
                "SELECT SLEEP(1) FROM orders", "SELECT id FROM orders WHERE id = --1",
                "SELECT id FROM orders INTO OUTFILE '/tmp/h_shard11_x'", "SELECT id FROM orders FOR UPDATE")) {
            try {
                ScatterPlan.of(sql, tables);
                fail("accepted: " + sql);
            } catch (UnsafeStatementException expected) {
                // refused
            }
        }
    }
}
