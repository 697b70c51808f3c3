package io.headroom.queue.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.PlainControlStore;
import io.headroom.queue.api.Job;
import io.headroom.queue.api.JobState;
import io.headroom.queue.api.Priority;
import io.headroom.queue.internal.store.QueueSchema;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.Before;
import org.junit.Test;

/** Cancels across nodes through the job records, on a real MariaDB: two nodes' trackers and records, no queue around them. */
public class JobRecordsTest {
    private static MariaDb db;
    private String schema;
    private PlainControlStore control;

    @Before
    public void setUp() throws Exception {
        synchronized (JobRecordsTest.class) {
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
        return new Job(UUID.randomUUID().toString(), TenantId.of("acme"), "work", "p", Priority.NORMAL, null, 1, Instant.now());
    }

    /** A delayed job submitted on node a, cancelled through node b, which does not know it: a answers. */
    @Test
    public void aDelayedJobIsCancelledThroughAnotherNode() throws Exception {
        JobTracker ta = new JobTracker(1000);
        JobTracker tb = new JobTracker(1000);
        JobRecords a = new JobRecords(ta, control.dataSource(), "node-a", 100, true);
        JobRecords b = new JobRecords(tb, control.dataSource(), "node-b", 100, true);
        Job delayed = job();
        ta.waiting(delayed, Instant.now().plusSeconds(600), null);
        a.round();
        assertEquals(JobState.DELAYED, b.job(delayed.id()).orElseThrow().state());
        CompletableFuture<Boolean> cancel = CompletableFuture.supplyAsync(() -> b.cancel(delayed.id()));
        while (!cancel.isDone()) {
            a.round();
            Thread.sleep(50);
        }
        assertTrue(cancel.get());
        assertEquals(JobState.CANCELLED, ta.get(delayed.id()).orElseThrow().state());
    }

    /** Both backends of a node write records as that node: the one that does not know the job leaves the answer to the other. */
    @Test
    public void aNodesOtherBackendDoesNotAnswerForAJobItDoesNotKnow() throws Exception {
        JobTracker sqs = new JobTracker(1000);
        JobTracker inProcess = new JobTracker(1000);
        JobRecords a = new JobRecords(sqs, control.dataSource(), "node-a", 100, true);
        JobRecords aOther = new JobRecords(inProcess, control.dataSource(), "node-a", 100, false);
        JobRecords b = new JobRecords(new JobTracker(1000), control.dataSource(), "node-b", 100, true);
        Job delayed = job();
        sqs.waiting(delayed, Instant.now().plusSeconds(600), null);
        a.round();
        CompletableFuture<Boolean> cancel = CompletableFuture.supplyAsync(() -> b.cancel(delayed.id()));
        while (!cancel.isDone()) {
            aOther.round(); // first, every time
            a.round();
            Thread.sleep(50);
        }
        assertTrue(cancel.get());
    }

    /** The node that received a job claimed its record: the submitter's cancel becomes that node's to answer. */
    @Test
    public void aClaimedJobIsCancelledByTheNodeThatReceivedIt() throws Exception {
        JobTracker ta = new JobTracker(1000);
        JobTracker tb = new JobTracker(1000);
        JobRecords a = new JobRecords(ta, control.dataSource(), "node-a", 100, true);
        JobRecords b = new JobRecords(tb, control.dataSource(), "node-b", 100, true);
        Job waiting = job();
        Job started = job();
        ta.waiting(waiting, null, null);
        ta.waiting(started, null, null);
        a.round();
        Thread.sleep(5);
        assertTrue(b.claim(List.of(waiting, started)).isEmpty());
        tb.waiting(waiting, null, null);
        tb.waiting(started, null, null);
        assertTrue(tb.start(started));
        CompletableFuture<Boolean> first = CompletableFuture.supplyAsync(() -> a.cancel(waiting.id()));
        CompletableFuture<Boolean> second = CompletableFuture.supplyAsync(() -> a.cancel(started.id()));
        while (!first.isDone() || !second.isDone()) {
            b.round();
            Thread.sleep(50);
        }
        assertTrue("b had not started it: cancelled", first.get());
        assertEquals(JobState.CANCELLED, tb.get(waiting.id()).orElseThrow().state());
        assertFalse("b had started it: refused", second.get());
        assertEquals(JobState.RUNNING, tb.get(started.id()).orElseThrow().state());
        assertEquals("a's own view is not left cancelled", JobState.WAITING, ta.get(started.id()).orElseThrow().state());
    }

    /** The submitter cancels first: the node that then receives the job drops it. */
    @Test
    public void aJobCancelledBeforeItIsReceivedIsDroppedByTheNodeThatReceivesIt() throws Exception {
        JobTracker ta = new JobTracker(1000);
        JobTracker tb = new JobTracker(1000);
        JobRecords a = new JobRecords(ta, control.dataSource(), "node-a", 100, true);
        JobRecords b = new JobRecords(tb, control.dataSource(), "node-b", 100, true);
        Job j = job();
        ta.waiting(j, null, null);
        assertTrue("no record yet: the cancel writes it", a.cancel(j.id()));
        assertEquals(java.util.Set.of(j.id()), b.claim(List.of(j)));
        assertTrue(tb.isCancelled(j.id()));
    }
}
