package io.headroom.helpdesk.internal;

import io.headroom.queue.api.Job;
import io.headroom.queue.api.JobHandler;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Background work through the fair queue: each write queues a {@value HelpdeskService#SUMMARY_TYPE} job (payload: the
 * conversation id), which rewrites the conversation's summary from its rows. Idempotent, so a job delivered twice or
 * retried after a failure leaves the same summary; one tenant's burst of writes cannot starve another's summaries.
 */
@Component(service = JobHandler.class, property = JobHandler.TYPE + "=" + HelpdeskService.SUMMARY_TYPE)
public final class SummaryJob implements JobHandler {
    private final HelpdeskService helpdesk;

    @Activate
    public SummaryJob(@Reference HelpdeskService helpdesk) {
        this.helpdesk = helpdesk;
    }

    @Override
    public void handle(Job job) {
        helpdesk.summarize(job.tenant(), job.payload());
    }
}
