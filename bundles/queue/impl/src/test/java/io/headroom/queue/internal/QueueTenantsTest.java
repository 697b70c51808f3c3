package io.headroom.queue.internal;

import static org.junit.Assert.assertEquals;

import io.headroom.core.api.TenantId;
import io.headroom.queue.api.Job;
import io.headroom.queue.api.JobRequest;
import io.headroom.queue.api.Priority;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/** Idempotency keys: the same tenant and key within the window stand for the first job; only the key is kept. */
public class QueueTenantsTest {
    private static final long WINDOW_MINUTES = 60;

    private final QueueTenants tenants = new QueueTenants(null, null, "test", 1000, WINDOW_MINUTES);

    @Test
    public void theSameKeyReturnsTheFirstJobWithinTheWindow() {
        long now = 1_000_000;
        assertEquals("j1", tenants.claimKey("acme|k", "j1", now));
        assertEquals("j1", tenants.claimKey("acme|k", "j2", now + 1));
        assertEquals("another tenant's key is its own", "j3", tenants.claimKey("globex|k", "j3", now + 1));
        long after = now + TimeUnit.MINUTES.toMillis(WINDOW_MINUTES);
        tenants.forgetExpiredKeys(after);
        assertEquals("after the window the key is new again", "j4", tenants.claimKey("acme|k", "j4", after));
    }

    @Test
    public void aBatchGetsTheFirstJobsIdForARepeatedKeyAndOnlyQueuesTheFirst() {
        TenantId acme = TenantId.of("acme");
        QueueTenants.Batch batch = tenants.newJobs(List.of(
                new JobRequest(acme, "mail", "first", Priority.NORMAL, "order-1", null),
                new JobRequest(acme, "mail", "second", Priority.NORMAL, "order-1", null)));
        List<Job> jobs = batch.jobs();
        assertEquals(jobs.get(0).id(), jobs.get(1).id());
        assertEquals("only the first is queued", 1, batch.fresh().size());
        assertEquals("first", batch.fresh().get(0).job().payload());
        assertEquals(List.of("acme|order-1"), batch.newKeys());
    }

    @Test
    public void theDedupeWindowKeepsTheKeysJobIdNotThePayload() throws Exception {
        Class<?> kept = Class.forName(QueueTenants.class.getName() + "$Dedupe");
        List<String> fields = Arrays.stream(kept.getRecordComponents()).map(RecordComponent::getName).toList();
        assertEquals("a remembered key holds its job id and expiry only", List.of("jobId", "until"), fields);
    }
}
