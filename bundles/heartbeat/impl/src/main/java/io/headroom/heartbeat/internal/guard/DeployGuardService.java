package io.headroom.heartbeat.internal.guard;

import io.headroom.heartbeat.api.Deploy;
import io.headroom.heartbeat.api.DeployGuard;
import io.headroom.heartbeat.internal.HeartbeatService;
import io.headroom.heartbeat.internal.core.GuardRule;
import io.headroom.heartbeat.internal.release.Reconciler;
import io.headroom.heartbeat.internal.store.HeartbeatStore;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deploy guard. Bundles that declare the jobs they serve ({@code Headroom-Jobs: a.job, b.job}) are snapshotted
 * while they run well; when one is updated, the guard watches its jobs for the configured window, and if a page
 * fires for one of them it updates the bundle back to the snapshot of the previous version and records why.
 * Which pages roll back is {@link GuardRule} (platform page, tenant quorum, critical tenants). Bundles that releases
 * across the fleet manage are left to them: the fleet rolls them back everywhere, not one node alone.
 */
@Component(service = DeployGuard.class, configurationPid = DeployGuardService.PID)
@Designate(ocd = DeployGuardService.Config.class)
public final class DeployGuardService implements DeployGuard, SynchronousBundleListener {
    public static final String PID = "io.headroom.heartbeat.guard";
    public static final String JOBS_HEADER = "Headroom-Jobs";
    private static final Logger LOG = LoggerFactory.getLogger(DeployGuardService.class);

    @ObjectClassDefinition(name = "Headroom deploy guard")
    public @interface Config {
        @AttributeDefinition(description = "How long after an update its jobs are watched, seconds")
        long watchSeconds() default 600;

        @AttributeDefinition(description = "How often watched deploys are checked, seconds")
        long checkSeconds() default 5;

        @AttributeDefinition(description = "Distinct tenants whose pages on a declared job roll a change back (a platform-wide page always does)")
        int guardTenantQuorum() default 3;

        @AttributeDefinition(description = "Tenants whose page on a declared job alone rolls a change back (comma-separated in a .cfg file)")
        String[] criticalTenants() default {};
    }

    /** A deploy being watched: the bundle, the version to go back to, and the jobs that decide. */
    private record Watch(long id, long bundleId, String name, String fromVersion, List<String> jobs, Instant startedAt) {
    }

    private final BundleContext context;
    private final HeartbeatService heartbeat;
    private final HeartbeatStore store;
    private final Config config;
    private final Path snapshots;
    private final Map<Long, Watch> watches = new ConcurrentHashMap<>();
    /** The version of each guarded bundle known to run well: the one a rollback returns to. */
    private final Map<String, String> knownGood = new ConcurrentHashMap<>();
    private final Set<String> rollingBack = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService scheduler;
    private final GuardRule rule;

    /** Present while releases run on this node: bundles it manages are the fleet's to guard, not this node's. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Reconciler reconciler;

    @Activate
    public DeployGuardService(BundleContext context, @Reference HeartbeatService heartbeat, Config config) throws SQLException {
        this.context = context;
        this.heartbeat = heartbeat;
        this.store = heartbeat.store();
        this.config = config;
        // a .cfg file gives one comma-separated string: accept that as well as a real array
        this.rule = new GuardRule(config.guardTenantQuorum(), Arrays.stream(config.criticalTenants())
                .flatMap(t -> Arrays.stream(t.split(","))).map(String::trim).filter(t -> !t.isEmpty())
                .collect(java.util.stream.Collectors.toSet()));
        this.snapshots = context.getDataFile("deploy-guard").toPath();
        for (Deploy d : store.deploys(100)) {
            Bundle b = bySymbolicName(d.bundle());
            if (Deploy.WATCHING.equals(d.state()) && b != null && Files.exists(snapshot(d.bundle(), d.fromVersion()))) {
                watches.put(d.id(), new Watch(d.id(), b.getBundleId(), d.bundle(), d.fromVersion(), d.jobs(), Instant.parse(d.startedAt())));
                knownGood.put(d.bundle(), d.fromVersion());
            }
        }
        context.addBundleListener(this);
        for (Bundle b : context.getBundles()) {
            if (jobs(b) != null && b.getState() == Bundle.ACTIVE && !knownGood.containsKey(b.getSymbolicName())) {
                markGood(b);
            }
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "headroom-deploy-guard"));
        scheduler.scheduleWithFixedDelay(this::check, config.checkSeconds(), config.checkSeconds(), TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(this);
        scheduler.shutdownNow();
    }

    static List<String> jobs(Bundle b) {
        String header = b.getHeaders("").get(JOBS_HEADER);
        return header == null ? null : Arrays.stream(header.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private Path snapshot(String name, String version) {
        return snapshots.resolve(name + "-" + version + ".jar");
    }

    private Bundle bySymbolicName(String name) {
        return Arrays.stream(context.getBundles()).filter(b -> name.equals(b.getSymbolicName())).findFirst().orElse(null);
    }

    private void markGood(Bundle b) {
        try {
            BundleSnapshot.write(b, snapshot(b.getSymbolicName(), b.getVersion().toString()));
            knownGood.put(b.getSymbolicName(), b.getVersion().toString());
        } catch (Exception e) {
            LOG.warn("deploy guard cannot snapshot {}: updates of it cannot be rolled back: {}", b.getSymbolicName(), e.toString());
        }
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        Bundle b = event.getBundle();
        List<String> jobs = jobs(b);
        Reconciler fleetReleases = reconciler;
        if (jobs == null || rollingBack.contains(b.getSymbolicName())
                || fleetReleases != null && fleetReleases.manages(b.getSymbolicName())) {
            return;
        }
        if (event.getType() == BundleEvent.STARTED && !knownGood.containsKey(b.getSymbolicName())) {
            markGood(b); // a guarded bundle installed after the guard started
        } else if (event.getType() == BundleEvent.UPDATED) {
            String from = knownGood.get(b.getSymbolicName());
            if (from == null) {
                LOG.warn("deploy guard: {} was updated but no earlier version is known; not watched", b.getSymbolicName());
                return;
            }
            Instant now = Instant.now();
            Deploy d = new Deploy(0, b.getSymbolicName(), from, b.getVersion().toString(), jobs, Deploy.WATCHING, "", now.toString(), null);
            try {
                long id = store.insertDeploy(d);
                watches.put(id, new Watch(id, b.getBundleId(), b.getSymbolicName(), from, jobs, now));
                LOG.info("deploy guard: watching {} {} -> {} for {} s (jobs {})", b.getSymbolicName(), from, d.toVersion(),
                        config.watchSeconds(), jobs);
            } catch (SQLException e) {
                LOG.warn("deploy guard cannot record the update of {}: not watched: {}", b.getSymbolicName(), e.getMessage());
            }
        }
    }

    /** Rolls back watched deploys whose jobs page, and keeps those whose window passed quietly. */
    void check() {
        for (Watch w : List.copyOf(watches.values())) {
            try {
                Optional<String> page = rollbackCause(w.jobs(), w.startedAt());
                if (page.isPresent()) {
                    rollBack(w, page.get());
                } else if (Instant.now().isAfter(w.startedAt().plusSeconds(config.watchSeconds()))) {
                    end(w, Deploy.KEPT, "no page for " + w.jobs() + " in " + config.watchSeconds() + " s");
                    Bundle b = context.getBundle(w.bundleId());
                    if (b != null) {
                        markGood(b);
                    }
                }
            } catch (Exception e) {
                LOG.warn("deploy guard check of deploy {} failed: {}", w.id(), e.toString());
            }
        }
    }

    @Override
    public Optional<String> rollbackCause(Collection<String> jobs, Instant liveSince) {
        return rule.rollbackCause(heartbeat.alerts(500), jobs, liveSince);
    }

    private void rollBack(Watch w, String cause) throws Exception {
        Bundle b = context.getBundle(w.bundleId());
        Path previous = snapshot(w.name(), w.fromVersion());
        String reason = cause + "; rolled back to " + w.fromVersion();
        if (b == null) {
            end(w, Deploy.ROLLED_BACK, "bundle gone before the rollback: " + reason);
            return;
        }
        LOG.warn("deploy guard: rolling back {} {} -> {}: {}", w.name(), b.getVersion(), w.fromVersion(), reason);
        rollingBack.add(w.name());
        try (InputStream in = Files.newInputStream(previous)) {
            b.update(in);
        } finally {
            rollingBack.remove(w.name());
        }
        end(w, Deploy.ROLLED_BACK, reason);
    }

    private void end(Watch w, String state, String reason) throws SQLException {
        watches.remove(w.id());
        store.endDeploy(w.id(), state, reason);
    }

    @Override
    public List<Deploy> deploys(int limit) {
        try {
            return store.deploys(limit);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read deploys: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean accept(long id) {
        Watch w = watches.get(id);
        if (w == null) {
            return false;
        }
        try {
            end(w, Deploy.ACCEPTED, "accepted by an operator");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record the acceptance: " + e.getMessage(), e);
        }
        Bundle b = context.getBundle(w.bundleId());
        if (b != null) {
            markGood(b);
        }
        return true;
    }
}
