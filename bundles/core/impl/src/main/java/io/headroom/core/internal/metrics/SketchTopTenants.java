package io.headroom.core.internal.metrics;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.metrics.TopTenants;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/** The node's top-tenant tracker: 200 counters, the 10 busiest labelled, weights halving every 5 minutes. */
@Component(service = TopTenants.class)
public final class SketchTopTenants implements TopTenants {
    static final int CAPACITY = 200;
    static final int SHOWN = 10;
    static final long HALF_LIFE_MILLIS = 300_000;

    private final TopTenantSketch sketch = new TopTenantSketch(CAPACITY, SHOWN, HALF_LIFE_MILLIS, System::currentTimeMillis);

    @Override
    public String label(TenantId tenant, double weight) {
        return sketch.add(tenant.value(), weight) ? tenant.value() : OTHER;
    }

    @Override
    public List<TenantId> top() {
        return sketch.top().stream().map(TenantId::of).toList();
    }
}
