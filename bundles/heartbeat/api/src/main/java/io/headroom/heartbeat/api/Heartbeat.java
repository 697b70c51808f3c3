package io.headroom.heartbeat.api;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.OutcomeEvent;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Outcome SLOs per tenant and platform-wide with multi-window, multi-burn-rate alerts. Events for jobs without an
 * SLO are counted but never alert.
 */
@ProviderType
public interface Heartbeat {
    /** Records one outcome; cheap and non-blocking. Events older than the longest window are ignored. */
    void record(OutcomeEvent event);

    /** Records a batch atomically: every event is checked first, and none is recorded if one is invalid. */
    void recordAll(List<OutcomeEvent> events);

    List<Slo> slos();

    Optional<Slo> slo(String job);

    /** Creates or replaces the SLO of a job. */
    Slo putSlo(Slo slo);

    boolean deleteSlo(String job);

    /** Platform-wide health of every job with events or an SLO. */
    List<JobHealth> platform();

    /** One tenant's health per job. */
    List<JobHealth> tenant(TenantId tenant);

    /** The tenants whose events are counted, sorted. */
    List<TenantId> tenants();

    /** The tenants burning their budget fastest over the last hour, worst first. */
    List<JobHealth> worstTenants(int limit);

    /** Alerts, firing first then most recent; {@code limit} bounds the history. */
    List<Alert> alerts(int limit);

    /** Runs one evaluation cycle now (it also runs on a fixed schedule). */
    void evaluate();
}
