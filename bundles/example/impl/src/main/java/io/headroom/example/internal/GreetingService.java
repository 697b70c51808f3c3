package io.headroom.example.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import io.headroom.core.api.store.ControlStore;
import io.headroom.example.api.Greeting;
import io.headroom.example.api.Greetings;
import io.headroom.example.api.GreetingsUnavailableException;
import io.headroom.example.internal.core.GreetingRules;
import io.headroom.example.internal.store.GreetingStore;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link Greetings} as a service: the rules decide, the store keeps, and every update reports its outcome. */
@Component(service = Greetings.class, configurationPid = GreetingService.PID)
@Designate(ocd = GreetingService.Config.class)
public final class GreetingService implements Greetings {
    static final String PID = "io.headroom.example";
    private static final Logger LOG = LoggerFactory.getLogger(GreetingService.class);
    /** Compare-and-set rounds before an update gives up: only a storm of updates to one tenant gets there. */
    private static final int MAX_ATTEMPTS = 100;

    @ObjectClassDefinition(name = "Headroom example capability")
    public @interface Config {
        @AttributeDefinition(description = "What a tenant sees before it sets a greeting")
        String defaultGreeting() default "hello";
    }

    private final GreetingRules rules;
    private final GreetingStore store;
    private final Signals signals;

    @Activate
    public GreetingService(@Reference ControlStore controlStore, @Reference Signals signals, Config config) {
        this.rules = new GreetingRules(config.defaultGreeting());
        this.store = new GreetingStore(controlStore);
        this.signals = signals;
    }

    @Override
    public Greeting greeting(TenantId tenant) {
        try {
            return store.find(tenant).orElseGet(() -> rules.initial(tenant));
        } catch (SQLException e) {
            throw unavailable(e);
        }
    }

    @Override
    public Greeting update(TenantId tenant, String message) {
        GreetingRules.check(message); // a bad request is the caller's error, not a failed job
        long start = System.nanoTime();
        try {
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                Greeting current = store.find(tenant).orElse(null);
                Greeting next = rules.next(tenant, current, message);
                if (store.compareAndSet(current, next)) {
                    report(tenant, true, start);
                    return next;
                }
            }
            throw new IllegalStateException(MAX_ATTEMPTS + " concurrent updates won over this one");
        } catch (SQLException e) {
            report(tenant, false, start);
            throw unavailable(e);
        } catch (RuntimeException e) {
            report(tenant, false, start);
            throw e;
        }
    }

    @Override
    public List<Greeting> list(int limit) {
        try {
            return store.list(limit);
        } catch (SQLException e) {
            throw unavailable(e);
        }
    }

    private void report(TenantId tenant, boolean success, long startNanos) {
        signals.outcome(new OutcomeEvent(tenant, JOB, success, (System.nanoTime() - startNanos) / 1_000_000, Instant.now()));
    }

    /** The cause goes to the log only: callers (tenants included) are not told where the control schema is. */
    private static GreetingsUnavailableException unavailable(SQLException e) {
        LOG.warn("example: the control schema cannot be reached: {}", e.getMessage());
        return new GreetingsUnavailableException("greetings are kept in the control schema, which cannot be reached right now", e);
    }
}
