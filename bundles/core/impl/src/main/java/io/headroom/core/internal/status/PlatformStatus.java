package io.headroom.core.internal.status;

import io.headroom.core.api.store.ControlStore;
import io.headroom.core.internal.rest.RestHost;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * What is installed and whether it works: every bundle that declares a {@value #HEADER} manifest header, its state
 * and endpoints, and whether the control store answers. Used by GET /api/health and headroom:status. The status is
 * STARTING until Karaf has installed the boot features, then UP, or DEGRADED while a capability is not active or the
 * control store does not answer (the node still serves what it can from its caches, so it stays in rotation).
 */
@Component(service = PlatformStatus.class)
public final class PlatformStatus {
    /** Manifest header naming the capability a bundle belongs to. */
    public static final String HEADER = "Headroom-Capability";
    private static final String BOOT_FINISHED = "org.apache.karaf.features.BootFinished";

    public record Capability(String name, String bundle, String version, String state, List<String> endpoints) {
    }

    public record StoreHealth(String status, String at, String error) {
    }

    public record Report(String status, StoreHealth controlStore, List<Capability> capabilities) {
    }

    private final BundleContext context;
    private final ControlStore store;
    private final ScheduledExecutorService prober;
    private volatile StoreHealth storeHealth;

    @Activate
    public PlatformStatus(BundleContext context, @Reference ControlStore store) {
        this.context = context;
        this.store = store;
        this.storeHealth = probe();
        // probed once a second, not per request: a health check must never take a database connection of its own
        this.prober = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "headroom-status-probe");
            t.setDaemon(true);
            return t;
        });
        prober.scheduleWithFixedDelay(() -> storeHealth = probe(), 1, 1, TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        prober.shutdownNow();
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
        boolean allActive = true;
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
            allActive &= b.getState() == Bundle.ACTIVE;
            capabilities.add(new Capability(name, b.getSymbolicName(), b.getVersion().toString(), state(b.getState()), endpoints));
        }
        capabilities.sort(Comparator.comparing(Capability::name).thenComparing(Capability::bundle));
        StoreHealth storeHealth = this.storeHealth;
        boolean up = allActive && "UP".equals(storeHealth.status()) && h != null;
        return new Report(!booted() ? "STARTING" : up ? "UP" : "DEGRADED", storeHealth, capabilities);
    }

    /**
     * Whether Karaf finished installing the boot features (it registers this marker service then). Before that a
     * capability may not be installed yet, so "UP" would promise endpoints that still answer 404. Looked up by name:
     * outside Karaf there is no such service and the node counts as booted.
     */
    private boolean booted() {
        return context.getServiceReference(BOOT_FINISHED) != null
                || context.getServiceReference("org.apache.karaf.features.FeaturesService") == null;
    }

    private StoreHealth probe() {
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
