package io.headroom.queue.internal.store;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.PlainControlStore;
import io.headroom.queue.api.Job;
import io.headroom.queue.api.Priority;
import io.headroom.queue.internal.core.FleetLoad;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.Before;
import org.junit.Test;

/** The queue's fleet tables (each node's load, open counts, leases) on a real MariaDB (the machine's, or an embedded one). */
public class FleetStoresTest {
    private static final TenantId T = TenantId.of("acme");
    private static MariaDb db;
    private String schema;
    private PlainControlStore control;

    @Before
    public void setUp() throws Exception {
        synchronized (FleetStoresTest.class) {
            if (db == null) {
                db = MariaDb.machineOrEmbedded();
            }
        }
        schema = "hr_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        control = new PlainControlStore(db, schema);
        control.migrate(QueueSchema.COMPONENT, QueueSchema.MIGRATIONS);
    }

    @After
    public void tearDown() {
        db.dropSchema(schema);
    }

    @AfterClass
    public static void stopServer() {
        if (db != null) {
            db.close();
            db = null;
        }
    }

    private static Job job() {
        return new Job(UUID.randomUUID().toString(), T, "work", "payload", Priority.NORMAL, null, 1, Instant.ofEpochMilli(1000));
    }

    @Test
    public void eachNodeReadsTheOthersLoadAndOpenCounts() throws Exception {
        LoadStore a = new LoadStore(control.dataSource(), "node-a", "sqs");
        LoadStore b = new LoadStore(control.dataSource(), "node-b", "sqs");
        LoadStore c = new LoadStore(control.dataSource(), "node-c", "sqs");
        LoadStore otherBackend = new LoadStore(control.dataSource(), "node-b", "in-process");
        FleetLoad.Key key = new FleetLoad.Key("", T);
        b.flush(Map.of(key, new FleetLoad.Load(12, 3, 1)), Map.of(T, new LoadStore.Open(15, 1)));
        c.flush(Map.of(key, new FleetLoad.Load(12, 4, 2)), Map.of(T, new LoadStore.Open(-4, 0)));
        otherBackend.flush(Map.of(key, new FleetLoad.Load(100, 100, 100)), Map.of(T, new LoadStore.Open(100, 0)));
        a.flush(Map.of(key, new FleetLoad.Load(50, 50, 50)), Map.of(T, new LoadStore.Open(9, 0)));

        LoadStore.Others seen = a.others(60_000, true);
        assertEquals("b and c, not a itself nor another backend", new FleetLoad.Load(24, 7, 3), seen.loads().get(key));
        assertEquals("c finished jobs b accepted: the sum is what is open", new LoadStore.Open(11, 1), seen.open().get(T));
        assertEquals(Map.of(T, new LoadStore.Open(9, 0)), a.ownOpen());

        b.flush(Map.of(), Map.of()); // b has nothing any more: its rows go
        seen = a.others(60_000, true);
        assertEquals(new FleetLoad.Load(12, 4, 2), seen.loads().get(key));
        assertEquals(new LoadStore.Open(-4, 0), seen.open().get(T));
    }

    @Test
    public void aLeaseIsSettledOnceWhicheverNodeAsks() throws Exception {
        LeaseStore a = new LeaseStore(control.dataSource(), "node-a", "sqs");
        LeaseStore b = new LeaseStore(control.dataSource(), "node-b", "sqs");
        Job job = job();
        a.held(List.of(new LeaseStore.NewLease("l1", job, 60, null)));
        assertEquals(job.id(), b.held("l1").job().id());
        assertEquals("node-a", b.held("l1").node());
        assertTrue("acked through another node", b.settle("l1", LeaseStore.State.ACKED, null, -1, false));
        assertFalse("once", b.settle("l1", LeaseStore.State.ACKED, null, -1, false));
        assertFalse("nor nacked after", a.settle("l1", LeaseStore.State.NACKED, "x", 0, true));
        assertEquals(LeaseStore.State.ACKED, b.get("l1").state());
        assertEquals("the holder sees it settled elsewhere", List.of("l1"), a.settledElsewhere().stream().map(LeaseStore.Row::id).toList());
        assertTrue("the holder claims it to finish it (and count it)", a.claim("l1"));
        assertFalse("so no node takes it over for a gone holder, nor counts it again", b.claim("l1"));
        assertTrue(a.settledElsewhere().isEmpty());
        a.held(List.of(new LeaseStore.NewLease("l2", job(), 60, null)));
        assertTrue(b.settle("l2", LeaseStore.State.NACKED, "x", 0, false));
        assertTrue("a node that took the holder for gone finished it first", b.claim("l2"));
        assertFalse("then the holder only forgets it", a.claim("l2"));
        assertTrue(a.settledElsewhere().isEmpty());
        assertNull(b.get("unknown"));
    }

    @Test
    public void anExtendThroughAnotherNodeKeepsTheHolderFromExpiringIt() throws Exception {
        LeaseStore a = new LeaseStore(control.dataSource(), "node-a", "sqs");
        LeaseStore b = new LeaseStore(control.dataSource(), "node-b", "sqs");
        a.held(List.of(new LeaseStore.NewLease("short", job(), 1, null), new LeaseStore.NewLease("kept", job(), 1, null)));
        assertNotNull(b.extend("kept", 60));
        Thread.sleep(1200); // past the first visibility of both
        assertFalse("a late ack of an expired lease settles nothing", b.settle("short", LeaseStore.State.ACKED, null, -1, false));
        LeaseStore.Row r = b.get("short");
        assertTrue(r.state() == LeaseStore.State.HELD && r.expired());
        assertTrue("the holder expires it", a.settle("short", LeaseStore.State.EXPIRED, "lease expired", -1, true));
        assertNull("and it cannot be extended any more", b.extend("short", 60));
        assertFalse("the extended one does not expire", a.settle("kept", LeaseStore.State.EXPIRED, "lease expired", -1, true));
        assertTrue(a.remainingMillis("kept") > 30_000);
        assertTrue("the holder's own settles are not handed back to it", a.settledElsewhere().isEmpty());
    }

    @Test
    public void aSettledLeaseKeepsItsJobsHandleForAnotherNodeToFinishIt() throws Exception {
        LeaseStore a = new LeaseStore(control.dataSource(), "node-a", "sqs");
        LeaseStore b = new LeaseStore(control.dataSource(), "node-b", "sqs");
        LeaseStore c = new LeaseStore(control.dataSource(), "node-c", "sqs");
        Job job = job();
        a.held(List.of(new LeaseStore.NewLease("h1", job, 60, "queue-url\nreceipt-1"), new LeaseStore.NewLease("h2", job(), 60, null)));
        assertEquals("queue-url\nreceipt-1", b.held("h1").handle());
        assertNull("a held lease is nobody's to finish", b.unfinished("h1"));
        assertTrue(b.settle("h1", LeaseStore.State.ACKED, null, -1, false));
        LeaseStore.Unfinished u = b.unfinished("h1");
        assertEquals("node-a", u.row().node());
        assertEquals(LeaseStore.State.ACKED, u.row().state());
        assertEquals("queue-url\nreceipt-1", u.handle());
        assertEquals(job.id(), u.job().id());
        assertEquals(job.attempt(), u.job().attempt());
        assertEquals(job.enqueuedAt(), u.job().enqueuedAt());
        assertTrue(u.settledAgoMillis() >= 0 && u.settledAgoMillis() < 60_000);
        assertTrue("too fresh for a sweep that waits a minute", c.unfinished(60_000, 10).isEmpty());
        assertEquals(List.of("h1"), c.unfinished(0, 10).stream().map(x -> x.row().id()).toList());
        assertTrue("one node takes it over", c.claim("h1"));
        assertFalse("only one", b.claim("h1"));
        assertNull(b.unfinished("h1"));
        assertTrue("nothing left to sweep", c.unfinished(0, 10).isEmpty());
        assertFalse("a held lease cannot be claimed", c.claim("h2"));
        assertTrue(a.settle("h2", LeaseStore.State.NACKED, "x", 0, true));
        assertTrue("what its holder settled it finishes itself", c.unfinished(0, 10).isEmpty());
        LeaseStore inProcessA = new LeaseStore(control.dataSource(), "node-a", "in-process");
        LeaseStore inProcessC = new LeaseStore(control.dataSource(), "node-c", "in-process");
        inProcessA.held(List.of(new LeaseStore.NewLease("h3", job(), 60, null)));
        a.held(List.of(new LeaseStore.NewLease("h4", job(), 60, "queue-url\nreceipt-4")));
        assertTrue(b.settle("h3", LeaseStore.State.ACKED, null, -1, false));
        assertTrue(b.settle("h4", LeaseStore.State.ACKED, null, -1, false));
        assertEquals("each backend finishes only its own leases", List.of("h4"), c.unfinished(0, 10).stream().map(x -> x.row().id()).toList());
        assertEquals(List.of("h3"), inProcessC.unfinished(0, 10).stream().map(x -> x.row().id()).toList());
        assertNull(inProcessC.unfinished("h4"));
    }

    private static io.headroom.queue.api.JobStatus status(String id, io.headroom.queue.api.JobState state, int attempts, long at) {
        return new io.headroom.queue.api.JobStatus(id, T.value(), "work", state, attempts, null, Instant.ofEpochMilli(1000), null,
                Instant.ofEpochMilli(at));
    }

    @Test
    public void aJobsNewestStateWinsAndACancelIsAnsweredByTheNodeThatWroteItLast() throws Exception {
        JobStore a = new JobStore(control.dataSource(), "node-a");
        JobStore b = new JobStore(control.dataSource(), "node-b");
        String id = UUID.randomUUID().toString();
        a.write(List.of(status(id, io.headroom.queue.api.JobState.WAITING, 0, 2000)));
        b.write(List.of(status(id, io.headroom.queue.api.JobState.RUNNING, 1, 3000)));
        a.write(List.of(status(id, io.headroom.queue.api.JobState.WAITING, 0, 2500))); // late: older than b's
        JobStore.Record r = a.get(id);
        assertEquals(io.headroom.queue.api.JobState.RUNNING, r.status().state());
        assertEquals("node-b", r.node());
        assertEquals(1, r.status().attempts());
        assertFalse("a running job cannot be asked to cancel", a.requestCancel(id));

        String waiting = UUID.randomUUID().toString();
        a.write(List.of(status(waiting, io.headroom.queue.api.JobState.WAITING, 0, 2000)));
        assertTrue(b.requestCancel(waiting));
        assertFalse("asked once", b.requestCancel(waiting));
        assertEquals(1, a.cancels(0).size());
        assertFalse("only the record's owner answers", b.answerCancel(waiting, status(waiting, io.headroom.queue.api.JobState.CANCELLED, 0, 2100), true));
        assertTrue(a.answerCancel(waiting, status(waiting, io.headroom.queue.api.JobState.CANCELLED, 0, 2100), true));
        r = b.get(waiting);
        assertEquals(JobStore.Cancel.DONE, r.cancel());
        assertEquals(io.headroom.queue.api.JobState.CANCELLED, r.status().state());
        assertFalse("answered: nothing to withdraw", b.withdrawCancel(waiting));
        a.write(List.of(status(waiting, io.headroom.queue.api.JobState.WAITING, 0, 5000)));
        assertEquals("a cancelled job does not go back to waiting", io.headroom.queue.api.JobState.CANCELLED, b.get(waiting).status().state());
        assertEquals("every node sees the cancel done", List.of(waiting), a.cancels(0).stream().map(x -> x.status().id()).toList());

        String unanswered = UUID.randomUUID().toString();
        a.write(List.of(status(unanswered, io.headroom.queue.api.JobState.DELAYED, 0, 2000)));
        assertTrue(b.requestCancel(unanswered));
        assertTrue("withdrawn while unanswered", b.withdrawCancel(unanswered));
        assertNull(b.get(unanswered).cancel());
        assertEquals(io.headroom.queue.api.JobState.DELAYED, b.get(unanswered).status().state());

        assertEquals("records unchanged for long are forgotten", 3, a.forget(System.currentTimeMillis()));
        assertNull(a.get(id));
    }

    /** A cancel and a start race on the job's record (SQS: any node may receive the job): exactly one wins. */
    @Test
    public void aCancelAndAClaimByTheNodeThatReceivedTheJobMeetOnTheRecord() throws Exception {
        JobStore a = new JobStore(control.dataSource(), "node-a");
        JobStore b = new JobStore(control.dataSource(), "node-b");
        long now = System.currentTimeMillis();
        // the cancel first: the submitting node owns the record (or there is none yet), so its cancel holds
        String first = UUID.randomUUID().toString();
        a.write(List.of(status(first, io.headroom.queue.api.JobState.WAITING, 0, now - 100)));
        assertTrue(a.cancelIfOwner(status(first, io.headroom.queue.api.JobState.CANCELLED, 0, now)));
        String unwritten = UUID.randomUUID().toString();
        assertTrue("no record yet: the cancel writes it", a.cancelIfOwner(status(unwritten, io.headroom.queue.api.JobState.CANCELLED, 0, now)));
        assertEquals("the node that then receives them is told not to start them", java.util.Set.of(first, unwritten),
                b.claim(List.of(status(first, io.headroom.queue.api.JobState.WAITING, 0, now + 10),
                        status(unwritten, io.headroom.queue.api.JobState.WAITING, 0, now + 10))));
        assertEquals("the cancels stand", io.headroom.queue.api.JobState.CANCELLED, a.get(first).status().state());
        assertEquals("node-a", a.get(unwritten).node());

        // the claim first: the record is the receiving node's, and the submitter's cancel does not hold
        String second = UUID.randomUUID().toString();
        a.write(List.of(status(second, io.headroom.queue.api.JobState.WAITING, 0, now - 100)));
        assertTrue(b.claim(List.of(status(second, io.headroom.queue.api.JobState.WAITING, 0, now))).isEmpty());
        assertEquals("node-b", a.get(second).node());
        assertFalse(a.cancelIfOwner(status(second, io.headroom.queue.api.JobState.CANCELLED, 0, now + 10)));
        assertEquals(io.headroom.queue.api.JobState.WAITING, a.get(second).status().state());
        assertTrue("it asks the owner instead", a.requestCancel(second));
        assertFalse("whom only the owner answers", a.answerCancel(second, status(second, io.headroom.queue.api.JobState.CANCELLED, 0, now + 20), true));
        assertTrue(b.answerCancel(second, status(second, io.headroom.queue.api.JobState.RUNNING, 1, now + 20), false));
        assertEquals(JobStore.Cancel.REFUSED, a.get(second).cancel());
        a.write(List.of(status(second, io.headroom.queue.api.JobState.WAITING, 0, now - 50)));
        assertEquals("a late write of the submitter's older state does not take the record back", "node-b", a.get(second).node());
        assertTrue("cancelled already counts as cancelled", b.cancelIfOwner(status(first, io.headroom.queue.api.JobState.CANCELLED, 0, now + 30)));
    }

    @Test
    public void recordsAreForgotten() throws Exception {
        JobStore a = new JobStore(control.dataSource(), "node-a");
        String id = UUID.randomUUID().toString();
        a.write(List.of(status(id, io.headroom.queue.api.JobState.WAITING, 0, 2000)));
        assertEquals(1, a.forget(System.currentTimeMillis()));
        assertNull(a.get(id));
    }
}
