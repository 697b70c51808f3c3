package io.headroom.core.api.metrics;

import io.headroom.core.api.TenantId;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The one tracker of the busiest tenants on this node (a decaying space-saving sketch of fixed memory), shared by every
 * meter with a tenant label, the console and the tenant load views, so the label set stays bounded however many
 * tenants there are.
 */
@ProviderType
public interface TopTenants {
    /** The label value other tenants are counted under. */
    String OTHER = "other";

    /** Counts {@code weight} of load for the tenant and returns its label: its id while it is among the top, else {@link #OTHER}. */
    String label(TenantId tenant, double weight);

    /** The tenants labelled by name now, busiest first. */
    List<TenantId> top();
}
