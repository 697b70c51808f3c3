package io.headroom.sharding.internal.store;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.PlainControlStore;
import io.headroom.sharding.internal.core.PrimaryQuorum;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * The nodes' views of the primaries in the control schema of a real MariaDB, read back as the automatic failover's
 * quorum reads them: ages on the database's clock, the last view per node and shard, live nodes from their acks.
 */
public class PrimaryViewsTest {
    private static final String A = "jdbc:mysql://a/s0";
    private static final String B = "jdbc:mysql://b/s0";
    private MariaDb db;
    private String schema;
    private PrimaryViews views;
    private TopologyStore topology;

    @Before
    public void setUp() {
        db = MariaDb.machineOrEmbedded();
        schema = "hr_views_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        PlainControlStore control = new PlainControlStore(db, schema);
        control.migrate(ControlSchema.COMPONENT, ControlSchema.MIGRATIONS);
        views = new PrimaryViews(control.dataSource());
        topology = new TopologyStore(control.dataSource());
    }

    @After
    public void tearDown() {
        db.dropSchema(schema);
        db.close();
    }

    @Test
    public void eachNodesLastViewIsReadWithItsAgeAndTheQuorumDecidesOnThem() throws Exception {
        views.record("n2", "s0", A, true);
        views.record("n2", "s0", A, false); // n2's later probe failed: its last view counts
        views.record("n3", "s0", A, true);
        views.record("n3", "s1", B, false); // another shard
        List<PrimaryQuorum.View> s0 = views.of("s0");
        assertEquals(2, s0.size());
        assertEquals("n2", s0.get(0).node());
        assertFalse(s0.get(0).answered());
        assertTrue(s0.get(1).answered());
        for (PrimaryQuorum.View v : s0) {
            assertTrue("fresh: " + v.ageMillis(), v.ageMillis() >= 0 && v.ageMillis() < 5000);
        }

        topology.ack("n1", 1);
        topology.ack("n2", 1);
        topology.ack("n3", 1);
        topology.ack("gone", 1);
        try (Connection c = db(); Statement s = c.createStatement()) {
            // a node last heard of a minute ago, and a view recorded a minute ago
            s.execute("UPDATE " + schema + ".shard_nodes SET seen_at = NOW(3) - INTERVAL 60 SECOND WHERE node = 'gone'");
            s.execute("UPDATE " + schema + ".shard_primary_views SET seen_at = NOW(3) - INTERVAL 60 SECOND WHERE node = 'n3' AND shard = 's1'");
        }
        assertEquals(List.of("n1", "n2", "n3"), views.liveNodes(3000));
        assertTrue(views.of("s1").get(0).ageMillis() >= 59_000);

        // n1 watches: n2 saw A fail too, n3 reached it: two of three
        PrimaryQuorum.Verdict v = PrimaryQuorum.decide(A, "n1", views.liveNodes(3000), views.of("s0"), 2000);
        assertTrue(v.describe(), v.confirmed());
        assertEquals(List.of("n3"), v.reachedBy());

        views.forget("n2");
        assertFalse("without n2's view, one of three", PrimaryQuorum.decide(A, "n1", views.liveNodes(3000), views.of("s0"), 2000).confirmed());
    }

    private Connection db() throws Exception {
        return java.sql.DriverManager.getConnection(db.jdbcUrl(schema), db.user(), db.password());
    }
}
