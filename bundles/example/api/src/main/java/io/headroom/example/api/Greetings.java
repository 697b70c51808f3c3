package io.headroom.example.api;

import io.headroom.core.api.TenantId;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Each tenant's greeting, kept in the control schema so every node serves the same one. A tenant that never set one
 * sees the configured default with no updates. Every update reports an outcome of the job {@value #JOB} for its
 * tenant to the heartbeat.
 */
@ProviderType
public interface Greetings {
    /** The job customers do here; the bundle declares it in its {@code Headroom-Jobs} header for the deploy guard. */
    String JOB = "example.greet";
    int MAX_MESSAGE = 200;

    /** @throws GreetingsUnavailableException when the control schema cannot be reached */
    Greeting greeting(TenantId tenant);

    /**
     * Sets the tenant's greeting and counts the update.
     *
     * @throws IllegalArgumentException when the message is blank or longer than {@value #MAX_MESSAGE} characters
     * @throws GreetingsUnavailableException when the control schema cannot be reached
     */
    Greeting update(TenantId tenant, String message);

    /** The greetings tenants have set, by tenant, at most {@code limit}. */
    List<Greeting> list(int limit);
}
