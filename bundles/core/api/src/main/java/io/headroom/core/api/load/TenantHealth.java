package io.headroom.core.api.load;

import io.headroom.core.api.TenantId;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * How one tenant's customers fare, judged by whoever keeps the outcome SLOs (the heartbeat capability registers one):
 * {@code headroom:tenant} and {@code GET /api/load/tenants/{tenant}} show it next to the tenant's load and limits. The
 * core has none of its own; without one, the report says so.
 */
@ConsumerType
public interface TenantHealth {

    /** The tenant's jobs with events in the last hour or an SLO, as the fleet sees them. */
    List<JobStatus> jobs(TenantId tenant);

    /**
     * One job of a tenant: its events and bad events in the last hour, the one-hour burn rate of its error budget
     * (null without events or without an SLO) and whether it pages for this tenant now.
     */
    record JobStatus(String job, long events1h, long bad1h, Double burn1h, boolean paging) {
    }
}
