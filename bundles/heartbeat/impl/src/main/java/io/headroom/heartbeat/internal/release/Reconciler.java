package io.headroom.heartbeat.internal.release;

import io.headroom.core.api.fleet.Fleet;
import io.headroom.core.api.health.Health;
import io.headroom.core.api.health.HealthCheck;
import io.headroom.core.api.store.ControlStore;
import io.headroom.heartbeat.internal.store.ReleaseStore;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URL;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.karaf.features.BundleInfo;
import org.apache.karaf.features.Feature;
import org.apache.karaf.features.FeaturesService;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes this node run what the control schema says it should (the fleet's desired state, or an active release's
 * new version when this node is one of its targets) and reports what it runs. It reconciles once when it starts,
 * before this node reports the {@code releases} capability ready, and then every {@code reconcileMillis}; so a node
 * that was down during a release or a rollback catches up when it returns.
 */
@Component(service = {Reconciler.class, HealthCheck.class}, configurationPid = Reconciler.PID,
        property = HealthCheck.CAPABILITY + "=releases")
@Designate(ocd = Reconciler.Config.class)
public final class Reconciler implements HealthCheck {
    public static final String PID = "io.headroom.heartbeat.releases";
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);

    @ObjectClassDefinition(name = "Headroom releases")
    public @interface Config {
        @AttributeDefinition(description = "How often this node reconciles to the fleet's desired state, milliseconds")
        long reconcileMillis() default 2000;

        @AttributeDefinition(description = "How often the node driving releases moves them on, milliseconds")
        long driveMillis() default 1000;

        @AttributeDefinition(description = "How long the driver's lease outlives its last renewal, seconds")
        long driverLeaseSeconds() default 10;

        @AttributeDefinition(description = "Default watch window of each release step, seconds")
        long watchSeconds() default 300;
    }

    private final BundleContext context;
    private final FeaturesService features;
    private final ReleaseStore store;
    private final String node;
    private final ScheduledExecutorService scheduler;
    /** Bundles the fleet's desired state names: their updates are the fleet's to guard, not this node's deploy guard. */
    private final Set<String> managed = ConcurrentHashMap.newKeySet();
    /** Units whose baseline (what ran here before the fleet managed them) this node has recorded. */
    private final Set<String> baselined = ConcurrentHashMap.newKeySet();
    private volatile Health health = Health.down("not reconciled yet");

    @Activate
    public Reconciler(BundleContext context, @Reference ControlStore controlStore, @Reference Fleet fleet,
            @Reference FeaturesService features, Config config) {
        this.context = context;
        this.features = features;
        this.store = new ReleaseStore(controlStore);
        this.node = fleet.nodeId();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "headroom-release-reconciler"));
        scheduler.scheduleWithFixedDelay(this::reconcile, 0, Math.max(100, config.reconcileMillis()), TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() {
        scheduler.shutdownNow();
    }

    public boolean manages(String bundle) {
        return managed.contains(bundle);
    }

    @Override
    public Health check() {
        return health;
    }

    /** One pass: every bundle of the desired state to its version here, each reported; health says whether all converged. */
    void reconcile() {
        Map<String, ReleaseStore.Want> wants;
        try {
            wants = store.wantsOf(node);
        } catch (Exception e) {
            // keep running what runs: the control schema decides, and it is away
            health = health.state() == Health.State.UP ? Health.degraded("control schema unreachable: running the last desired state")
                    : Health.down("control schema unreachable before the first reconciliation");
            return;
        }
        managed.addAll(wants.keySet());
        int failed = 0;
        StringBuilder details = new StringBuilder();
        // what this node runs of a unit is recorded before anything changes it, and read back as its desired state
        // before this pass acts (until the unit's first release completes, it is)
        boolean recorded = false;
        for (String unit : wants.keySet()) {
            if (!baselined.contains(unit)) {
                try {
                    String[] now = running(unit);
                    store.recordBaseline(node, unit, now[0], now[1]);
                    baselined.add(unit);
                    recorded = true;
                } catch (Exception e) {
                    failed++;
                    details.append(unit).append(": cannot record what runs here: ").append(e).append("; ");
                }
            }
        }
        if (recorded) {
            try {
                wants = store.wantsOf(node);
            } catch (Exception e) {
                health = Health.down("control schema unreachable while reconciling");
                return;
            }
        }
        for (Map.Entry<String, ReleaseStore.Want> w : wants.entrySet()) {
            String unit = w.getKey();
            String detail = "";
            if (!baselined.contains(unit)) {
                continue; // not changed before what runs here is recorded
            }
            try {
                apply(unit, w.getValue());
            } catch (Exception e) {
                failed++;
                detail = e.toString();
                details.append(unit).append(": ").append(detail).append("; ");
                LOG.warn("release reconciler: cannot run {} {} on {}: {}", unit, w.getValue().version(), node, detail);
            }
            try {
                store.report(node, unit, w.getValue().version(), running(unit)[0], detail);
            } catch (Exception e) {
                LOG.debug("release reconciler: cannot report {}: {}", unit, e.toString());
            }
        }
        health = failed == 0 ? Health.up(wants.size() + " released bundles at their desired versions")
                : Health.down("not converged: " + details);
    }

    /** What this node runs of a unit: {version, source}; an empty version when it runs none. */
    String[] running(String unit) throws Exception {
        if (FeatureUnits.isFeature(unit)) {
            String name = FeatureUnits.name(unit);
            List<String> versions = FeatureUnits.installed(features, name);
            return versions.isEmpty() ? new String[] {"", ""}
                    : new String[] {versions.get(0), FeatureUnits.source(features, name, versions.get(0))};
        }
        Bundle b = bySymbolicName(unit);
        return b == null ? new String[] {"", ""} : new String[] {b.getVersion().toString(), b.getLocation()};
    }

    private void apply(String unit, ReleaseStore.Want want) throws Exception {
        if (FeatureUnits.isFeature(unit)) {
            String name = FeatureUnits.name(unit);
            // the feature's bundles are the fleet's to guard: the single-node deploy guard leaves their updates alone
            manageBundlesOf(name);
            List<String> versions = FeatureUnits.installed(features, name);
            if (want.version().isEmpty() ? !versions.isEmpty() : !List.of(want.version()).equals(versions)) {
                LOG.info("release reconciler: feature {} {} -> {} on {} (from {})", name, versions.isEmpty() ? "absent" : versions,
                        want.version().isEmpty() ? "absent" : want.version(), node, want.source());
                FeatureUnits.apply(features, name, want.version(), want.source());
                manageBundlesOf(name);
            }
            return;
        }
        Bundle b = bySymbolicName(unit);
        if (want.version().isEmpty()) {
            if (b != null) {
                LOG.info("release reconciler: {} {} -> absent on {} (it ran none before its first release)", unit, b.getVersion(), node);
                b.uninstall();
            }
            return;
        }
        if (b != null && b.getVersion().toString().equals(want.version())) {
            if (b.getState() == Bundle.RESOLVED || b.getState() == Bundle.INSTALLED) {
                b.start();
            }
            return;
        }
        LOG.info("release reconciler: {} {} -> {} on {} (from {})", unit, b == null ? "absent" : b.getVersion(), want.version(),
                node, want.source());
        try (InputStream in = open(want.source())) {
            if (b == null) {
                context.installBundle("headroom-release:" + unit, in).start();
            } else {
                b.update(in);
            }
        }
        Bundle now = bySymbolicName(unit);
        if (now == null || !now.getVersion().toString().equals(want.version())) {
            throw new IllegalStateException("the source " + want.source() + " holds version "
                    + (now == null ? "none" : now.getVersion()) + ", not " + want.version());
        }
    }

    private InputStream open(String source) throws Exception {
        if (source.startsWith("sha256:")) {
            String sha = source.substring("sha256:".length());
            byte[] bytes = store.artifactBytes(sha)
                    .orElseThrow(() -> new IllegalStateException("artifact " + source + " is not in the control schema"));
            if (!ReleaseService.sha256(bytes).equalsIgnoreCase(sha)) {
                // every node installs the bytes that were uploaded, or none
                throw new IllegalStateException("artifact " + source + " read back with another checksum: not installed");
            }
            return new ByteArrayInputStream(bytes);
        }
        return new URL(source).openStream();
    }

    private void manageBundlesOf(String feature) throws Exception {
        for (Feature f : features.listInstalledFeatures()) {
            if (feature.equals(f.getName())) {
                for (BundleInfo info : f.getBundles()) {
                    Bundle b = context.getBundle(info.getLocation());
                    if (b != null && b.getSymbolicName() != null) {
                        managed.add(b.getSymbolicName());
                    }
                }
            }
        }
    }

    private Bundle bySymbolicName(String name) {
        return Arrays.stream(context.getBundles()).filter(b -> name.equals(b.getSymbolicName())).findFirst().orElse(null);
    }
}
