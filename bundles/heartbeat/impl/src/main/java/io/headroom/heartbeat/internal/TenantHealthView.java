package io.headroom.heartbeat.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.load.TenantHealth;
import io.headroom.heartbeat.api.Heartbeat;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The heartbeat's view of a tenant (the fleet's counts, its SLOs and pages) for the core's one-tenant report. */
@Component(service = TenantHealth.class)
public final class TenantHealthView implements TenantHealth {
    private final Heartbeat heartbeat;

    @Activate
    public TenantHealthView(@Reference Heartbeat heartbeat) {
        this.heartbeat = heartbeat;
    }

    @Override
    public List<JobStatus> jobs(TenantId tenant) {
        return heartbeat.tenant(tenant).stream().map(h -> new JobStatus(h.job(), h.events1h(), h.bad1h(),
                Double.isNaN(h.burn1h()) ? null : h.burn1h(), h.paging())).toList();
    }
}
