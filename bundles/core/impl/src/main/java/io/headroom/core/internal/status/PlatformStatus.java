package io.headroom.core.internal.status;

import io.headroom.core.api.health.Health;
import io.headroom.core.api.health.HealthCheck;
import io.headroom.core.api.store.ControlStore;
import io.headroom.core.internal.rest.RestHost;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleListener;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * What is installed and whether it works: every bundle that declares a {@value #HEADER} manifest header, its state,
 * endpoints and readiness, and whether the control store answers. Used by the health endpoints and headroom:status.
 *
 * <p>Readiness per capability is the worst of: its bundle active, its DS components (one that failed to activate is
 * DOWN, one waiting for a service DEGRADED), and the answers of its {@link HealthCheck} services. All of it is probed
 * once a second in the background (each check given {@value #CHECK_TIMEOUT_MILLIS} ms): a health request never takes
 * a database connection or a network round trip of its own. Reading every component's state from SCR is the costly
 * part (it builds DTOs of every reference), so once every capability is UP the components are read again only after
 * a bundle or service event (what a component's state change comes with) and at least every
 * {@value #COMPONENTS_MAX_AGE_MILLIS} ms; while any is not UP, every second. The status is STARTING until Karaf has installed the boot
 * features and every capability's components have settled (at most {@value #SETTLE_GRACE_MILLIS} ms after the
 * framework's start level), then UP when every capability is, else DEGRADED: the node still serves what works (from its caches while
 * the control store is away), so it stays in the load balancer's rotation, which checks liveness only.
 */
@Component(service = PlatformStatus.class)
public final class PlatformStatus {
    /** Manifest header naming the capability a bundle belongs to. */
    public static final String HEADER = "Headroom-Capability";
    private static final String BOOT_FINISHED = "org.apache.karaf.features.BootFinished";
    static final long CHECK_TIMEOUT_MILLIS = 2000;
    /**
     * How long after the start level a node waits for its capabilities' components to settle before it counts as
     * started anyway: a capability waiting for a service that never comes is DEGRADED, not a node out of rotation.
     */
    static final long SETTLE_GRACE_MILLIS = 60_000;
    /** The longest the components' states are reused while every capability is UP and no bundle or service changed. */
    static final long COMPONENTS_MAX_AGE_MILLIS = 5_000;

    public record Capability(String name, String bundle, String version, String state, List<String> endpoints,
                             String health, String detail) {
    }

    public record StoreHealth(String status, String at, String error) {
    }

    public record Report(String status, StoreHealth controlStore, List<Capability> capabilities) {
        /** What anyone may see: the status only (no hosts, versions or endpoints). */
        public Map<String, String> summary() {
            return Map.of("status", status);
        }
    }

    private final BundleContext context;
    private final ControlStore store;
    private final ServiceComponentRuntime scr;
    private final ScheduledExecutorService prober;
    private final ExecutorService checks;
    /** Set by any bundle or service event: the components' states must be read again. */
    private final AtomicBoolean changed = new AtomicBoolean(true);
    private final BundleListener onBundle = e -> changed.set(true);
    private final ServiceListener onService = e -> changed.set(true);
    /** The capabilities' components as last read (probe thread only), and when. */
    private Map<String, Health> components = Map.of();
    private long componentsReadAt;
    private volatile StoreHealth storeHealth;
    private volatile Map<String, Health> readiness = Map.of();
    /**
     * Whether the node has started: Karaf's boot done and every capability's components settled (or the grace over).
     * Never goes back: a capability updated later is held at its gate, the node stays in rotation.
     */
    private volatile boolean probedAfterBoot;
    /** When {@link #booted()} first held (0 before). */
    private long bootedAt;

    @Activate
    public PlatformStatus(BundleContext context, @Reference ControlStore store, @Reference ServiceComponentRuntime scr) {
        this.context = context;
        this.store = store;
        this.scr = scr;
        this.storeHealth = probeStore();
        context.addBundleListener(onBundle);
        context.addServiceListener(onService);
        this.checks = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "headroom-health-check");
            t.setDaemon(true);
            return t;
        });
        this.prober = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "headroom-status-probe");
            t.setDaemon(true);
            return t;
        });
        prober.scheduleWithFixedDelay(this::probe, 0, 1, TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        context.removeServiceListener(onService);
        context.removeBundleListener(onBundle);
        prober.shutdownNow();
        checks.shutdownNow();
    }

    public Report report() {
        // looked up per call, not injected: RestHost publishes the health resource that needs this component, and a
        // DS reference back to RestHost made a cycle that could deadlock two start-up threads
        ServiceReference<RestHost> ref = context.getServiceReference(RestHost.class);
        RestHost h = ref == null ? null : context.getService(ref);
        try {
            return report(h);
        } finally {
            if (h != null) {
                context.ungetService(ref);
            }
        }
    }

    private Report report(RestHost h) {
        List<Capability> capabilities = new ArrayList<>();
        Map<String, Health> ready = readiness;
        boolean allUp = true;
        for (Bundle b : context.getBundles()) {
            String name = b.getHeaders("").get(HEADER);
            if (name == null) {
                continue;
            }
            List<String> endpoints = new ArrayList<>();
            if (h != null) {
                h.endpoints().stream().filter(e -> e.bundle().equals(b.getSymbolicName()))
                        .forEach(e -> endpoints.add(h.alias() + "/" + e.segment()));
            }
            // a bundle that became active since the last probe is starting until a probe has seen its components
            Health health = b.getState() == Bundle.ACTIVE ? ready.getOrDefault(b.getSymbolicName(), Health.degraded("starting"))
                    : Health.down("bundle " + state(b.getState()));
            allUp &= health.state() == Health.State.UP;
            capabilities.add(new Capability(name, b.getSymbolicName(), b.getVersion().toString(), state(b.getState()), endpoints,
                    health.state().name(), health.detail()));
        }
        capabilities.sort(Comparator.comparing(Capability::name).thenComparing(Capability::bundle));
        StoreHealth store = this.storeHealth;
        boolean up = allUp && "UP".equals(store.status()) && h != null;
        return new Report(!probedAfterBoot ? "STARTING" : up ? "UP" : "DEGRADED", store, capabilities);
    }

    /** Everything a health request shows, refreshed here once a second. */
    private void probe() {
        boolean booted = booted();
        storeHealth = probeStore();
        long now = System.currentTimeMillis();
        boolean allUp = components.values().stream().allMatch(h -> h.state() == Health.State.UP);
        // cleared before reading: an event during the walk makes the next probe read again
        if (changed.getAndSet(false) | !allUp | !probedAfterBoot || now - componentsReadAt >= COMPONENTS_MAX_AGE_MILLIS) {
            Map<String, Health> read = new HashMap<>();
            for (Bundle b : context.getBundles()) {
                if (b.getHeaders("").get(HEADER) != null && b.getState() == Bundle.ACTIVE) {
                    read.put(b.getSymbolicName(), components(b));
                }
            }
            components = Map.copyOf(read);
            componentsReadAt = now;
        }
        Map<String, Health> next = new HashMap<>(components);
        // components still starting or waiting for a service: a restarted node's capabilities (a bundle hot-deployed
        // from deploy/ among them) register their endpoints only then, and a node live before would answer 404
        boolean settled = next.values().stream().noneMatch(h -> h.state() == Health.State.DEGRADED);
        if (!"UP".equals(storeHealth.status())) {
            next.merge(context.getBundle().getSymbolicName(), Health.degraded("the control schema does not answer: serving from caches"),
                    PlatformStatus::worse);
        }
        try {
            for (ServiceReference<HealthCheck> ref : context.getServiceReferences(HealthCheck.class, null)) {
                HealthCheck check = context.getService(ref);
                if (check == null) {
                    continue;
                }
                try {
                    next.merge(ref.getBundle().getSymbolicName(), run(check), PlatformStatus::worse);
                } finally {
                    context.ungetService(ref);
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        readiness = Map.copyOf(next);
        if (booted && bootedAt == 0) {
            bootedAt = System.currentTimeMillis();
        }
        probedAfterBoot |= booted && (settled || System.currentTimeMillis() - bootedAt > SETTLE_GRACE_MILLIS);
    }

    private Health run(HealthCheck check) {
        Future<Health> answer = checks.submit(check::check);
        try {
            return answer.get(CHECK_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            return Health.down("its check did not answer within " + CHECK_TIMEOUT_MILLIS + " ms");
        } catch (Exception e) {
            return Health.down("its check failed: " + e.getMessage());
        }
    }

    /**
     * DOWN for a component that failed to activate, DEGRADED for one waiting for a service or still activating (an
     * immediate component that is satisfied but not active yet), or while SCR has not registered the bundle's components.
     */
    private Health components(Bundle b) {
        Health health = Health.up("");
        java.util.Collection<ComponentDescriptionDTO> descriptions = scr.getComponentDescriptionDTOs(b);
        if (descriptions.isEmpty() && b.getHeaders("").get("Service-Component") != null) {
            return Health.degraded("starting: its components are not registered yet");
        }
        for (ComponentDescriptionDTO d : descriptions) {
            for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                if (d.immediate && c.state == ComponentConfigurationDTO.SATISFIED) {
                    health = worse(health, Health.degraded(d.name + " is starting"));
                } else if (c.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
                    health = worse(health, Health.down(d.name + " failed to start: " + c.failure));
                } else if (c.state == ComponentConfigurationDTO.UNSATISFIED_REFERENCE) {
                    List<String> missing = java.util.Arrays.stream(c.unsatisfiedReferences).map(r -> r.name).toList();
                    health = worse(health, Health.degraded(d.name + " waits for " + missing));
                }
            }
        }
        return health;
    }

    private static Health worse(Health a, Health b) {
        if (a.state() == b.state()) {
            return a.detail().isEmpty() ? b : b.detail().isEmpty() ? a : new Health(a.state(), a.detail() + "; " + b.detail());
        }
        return a.state().ordinal() > b.state().ordinal() ? a : b;
    }

    /**
     * Whether Karaf finished installing the boot features (it registers this marker service then). Before that a
     * capability may not be installed yet, so "UP" would promise endpoints that still answer 404. Looked up by name:
     * outside Karaf there is no such service and the node counts as booted.
     */
    private boolean booted() {
        return startLevelReached() && (context.getServiceReference(BOOT_FINISHED) != null
                || context.getServiceReference("org.apache.karaf.features.FeaturesService") == null);
    }

    /**
     * Whether the framework has started every bundle of its beginning start level. On a restart Karaf finds its boot
     * features installed and signals the boot finished while the capabilities (a higher start level) are still
     * being started: without this a restarted node counted as live and a load balancer sent it requests its
     * endpoints answered 404.
     */
    private boolean startLevelReached() {
        String beginning = context.getProperty("org.osgi.framework.startlevel.beginning");
        int wanted = beginning == null ? 1 : Integer.parseInt(beginning.trim());
        return context.getBundle(0).adapt(FrameworkStartLevel.class).getStartLevel() >= wanted;
    }

    private StoreHealth probeStore() {
        try (Connection c = store.dataSource().getConnection()) {
            return c.isValid(2) ? new StoreHealth("UP", store.describe(), null)
                    : new StoreHealth("DOWN", store.describe(), "connection not valid");
        } catch (Exception e) {
            return new StoreHealth("DOWN", store.describe(), e.getMessage());
        }
    }

    static String state(int state) {
        return switch (state) {
            case Bundle.ACTIVE -> "ACTIVE";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            default -> "UNINSTALLED";
        };
    }
}
