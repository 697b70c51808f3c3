package io.headroom.core.internal.metrics;

import io.headroom.core.api.metrics.Counter;
import io.headroom.core.api.metrics.Histogram;
import io.headroom.core.api.metrics.Metrics;
import io.headroom.core.api.metrics.TopTenants;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.SignalListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The signals every capability reports, as metrics: the latency and result of each customer outcome by job (what a
 * search query, a queued job, an LLM answer or a shard query took, as the customer saw it), and each capability's load
 * by measure, resource and tenant (the tenants the one tracker names, the rest as {@code other}).
 */
@Component(service = SignalListener.class)
public final class SignalMeters implements SignalListener {
    private final Histogram outcomes;
    private final Counter load;
    private final TopTenants top;

    @Activate
    public SignalMeters(@Reference Metrics metrics, @Reference TopTenants top) {
        this.top = top;
        this.outcomes = metrics.histogram("headroom_outcome_duration_seconds",
                "Customer outcomes reported by the capabilities: latency by job and result", Metrics.LATENCY_SECONDS,
                "slo_job", "result");
        this.load = metrics.counter("headroom_tenant_load",
                "Load reported by the capabilities per measure (queries, pool_ms, jobs, dwell_ms, tokens ...), resource and tenant",
                "capability", "measure", "resource", "tenant");
    }

    @Override
    public void onOutcome(OutcomeEvent event) {
        outcomes.observe(event.latencyMillis() / 1000.0, event.job(), event.success() ? "success" : "failure");
    }

    @Override
    public void onLoad(LoadSample sample) {
        load.add(sample.amount(), sample.capability(), sample.measure(), sample.resource(), top.label(sample.tenant(), sample.amount()));
    }
}
