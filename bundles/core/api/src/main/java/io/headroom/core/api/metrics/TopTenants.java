package io.headroom.core.api.metrics;

import io.headroom.core.api.TenantId;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The one tracker of the busiest tenants on this node: the tenant load ledger's (decaying space-saving sketches of
 * fixed memory, fed by every capability's load signals), shared by every meter with a tenant label, the console and the
 * tenant load views, so the label set stays bounded however many tenants there are.
 */
@ProviderType
public interface TopTenants {
    /** The label value other tenants are counted under. */
    String OTHER = "other";

    /**
     * The tenant's label: its id while it is among the top, else {@link #OTHER}. The tracker counts load from the
     * signals itself; {@code weight} is kept for callers compiled against 1.0 and not added.
     */
    String label(TenantId tenant, double weight);

    /** The tenants labelled by name now, busiest first. */
    List<TenantId> top();
}
