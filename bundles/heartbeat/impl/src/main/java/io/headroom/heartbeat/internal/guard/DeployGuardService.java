package io.headroom.heartbeat.internal.guard;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.audit.AuditEntry;
import io.headroom.core.api.audit.AuditLog;
import io.headroom.heartbeat.api.Deploy;
import io.headroom.heartbeat.api.DeployGuard;
import io.headroom.heartbeat.api.GuardPolicy;
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

        @AttributeDefinition(description = "Distinct tenants whose pages on a declared job roll a change back (a platform-wide page always"
                + " does). Seeds the fleet-wide setting in the control schema when it has none; heartbeat:guard changes it")
        int guardTenantQuorum() default 3;

        @AttributeDefinition(description = "Tenants whose page on a declared job alone rolls a change back (comma-separated in a .cfg file)."
                + " Seeds the fleet-wide setting in the control schema when it has none; heartbeat:guard changes it")
        String[] criticalTenants() default {};

        @AttributeDefinition(description = "How long this node uses the fleet-wide rule settings it read before reading them again, milliseconds")
        long policyRefreshMillis() default 2000;
    }

    /** A deploy being watched: the bundle, the version to go back to, and the jobs that decide. */
    private record Watch(long id, long bundleId, String name, String fromVersion, List<String> jobs, Instant startedAt) {
    }

    private final BundleContext context;
    private final HeartbeatService heartbeat;
    private final AuditLog audit;
    private final HeartbeatStore store;
    private final Config config;
    private final Path snapshots;
    private final Map<Long, Watch> watches = new ConcurrentHashMap<>();
    /** The version of each guarded bundle known to run well: the one a rollback returns to. */
    private final Map<String, String> knownGood = new ConcurrentHashMap<>();
    private final Set<String> rollingBack = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService scheduler;
    /** The rule as last read from the control schema, and when (kept while the control schema is away). */
    private volatile GuardRule rule;
    private volatile long ruleReadAt;

    /** Present while releases run on this node: bundles it manages are the fleet's to guard, not this node's. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Reconciler reconciler;

    @Activate
    public DeployGuardService(BundleContext context, @Reference HeartbeatService heartbeat, @Reference AuditLog audit, Config config)
            throws SQLException {
        this.context = context;
        this.audit = audit;
        this.heartbeat = heartbeat;
        this.store = heartbeat.store();
        this.config = config;
        // a .cfg file gives one comma-separated string: accept that as well as a real array
        Set<String> critical = Arrays.stream(config.criticalTenants()).flatMap(t -> Arrays.stream(t.split(",")))
                .map(String::trim).filter(t -> !t.isEmpty()).collect(java.util.stream.Collectors.toSet());
        this.rule = new GuardRule(config.guardTenantQuorum(), critical);
        try {
            store.seedGuardPolicy(Math.max(1, config.guardTenantQuorum()), critical);
        } catch (SQLException e) {
            LOG.warn("deploy guard cannot seed the fleet-wide rule settings: {}", e.getMessage());
        }
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
        return rule().rollbackCause(heartbeat.alerts(500), jobs, liveSince);
    }

    /** The fleet-wide rule, read again once it is older than {@code policyRefreshMillis}; the last one while the schema is away. */
    private GuardRule rule() {
        long now = System.currentTimeMillis();
        if (now - ruleReadAt >= config.policyRefreshMillis()) {
            try {
                store.guardPolicy().ifPresent(p -> rule = new GuardRule(p.tenantQuorum(), Set.copyOf(p.criticalTenants())));
                ruleReadAt = now;
            } catch (SQLException e) {
                LOG.debug("deploy guard: keeping the rule settings last read: {}", e.getMessage());
            }
        }
        return rule;
    }

    @Override
    public GuardPolicy policy() {
        try {
            return store.guardPolicy().orElseGet(() -> new GuardPolicy(rule.tenantQuorum(),
                    List.copyOf(new java.util.TreeSet<>(rule.criticalTenants())), "config", null));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the rollback rule's settings: " + e.getMessage(), e);
        }
    }

    @Override
    public GuardPolicy setPolicy(int tenantQuorum, List<String> criticalTenants, String actor) {
        if (tenantQuorum < 1 || tenantQuorum > 10_000) {
            throw new IllegalArgumentException("the tenant quorum is a number of tenants from 1 to 10000");
        }
        List<String> critical = criticalTenants == null ? List.of() : criticalTenants;
        if (critical.size() > 100) {
            throw new IllegalArgumentException("at most 100 critical tenants");
        }
        Set<String> names = new java.util.TreeSet<>();
        for (String t : critical) {
            names.add(TenantId.of(t).value()); // a malformed name refuses the whole change
        }
        try {
            store.putGuardPolicy(tenantQuorum, names, actor);
            rule = new GuardRule(tenantQuorum, names);
            ruleReadAt = System.currentTimeMillis();
            audit.record(AuditEntry.of(actor, "heartbeat", "heartbeat:guard", "rollback rule",
                    "tenant quorum " + tenantQuorum + ", critical tenants " + names, null));
            return policy();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store the rollback rule's settings: " + e.getMessage(), e);
        }
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
