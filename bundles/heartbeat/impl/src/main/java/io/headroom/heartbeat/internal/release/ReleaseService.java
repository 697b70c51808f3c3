package io.headroom.heartbeat.internal.release;

import io.headroom.core.api.audit.AuditEntry;
import io.headroom.core.api.audit.AuditLog;
import io.headroom.core.api.fleet.Fleet;
import io.headroom.core.api.fleet.FleetNode;
import io.headroom.core.api.fleet.Lease;
import io.headroom.core.api.fleet.LeasedRole;
import io.headroom.core.api.fleet.Leases;
import io.headroom.core.api.flags.FeatureFlags;
import io.headroom.core.api.metrics.Metrics;
import io.headroom.core.api.store.ControlStore;
import io.headroom.heartbeat.api.Artifact;
import io.headroom.heartbeat.api.DeliveryFigures;
import io.headroom.heartbeat.api.DeployGuard;
import io.headroom.heartbeat.api.FleetState;
import io.headroom.heartbeat.api.Heartbeat;
import io.headroom.heartbeat.api.KillSwitch;
import io.headroom.heartbeat.api.NodeRun;
import io.headroom.heartbeat.api.Release;
import io.headroom.heartbeat.api.ReleaseRefusedException;
import io.headroom.heartbeat.api.ReleaseRequest;
import io.headroom.heartbeat.api.Releases;
import io.headroom.heartbeat.internal.core.ReleasePlan;
import io.headroom.heartbeat.internal.core.ReleaseState;
import io.headroom.heartbeat.internal.store.ReleaseStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URL;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import org.apache.karaf.features.FeaturesService;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Version;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases across the fleet. Operator actions (start, pause, resume, promote, abort) are compare-and-set changes of
 * the release's row and may run on any node; one node, the holder of the {@value #DRIVER_LEASE} lease, moves active
 * releases on: it widens each step to its nodes, waits for them to report the new version, watches the step with
 * the deploy guard's rule on the fleet's alerts, and rolls back everywhere on a page. The same node acts on kill
 * switches. Every decision is written to the audit log and kept as the release's reason.
 */
@Component(service = Releases.class, configurationPid = Reconciler.PID)
public final class ReleaseService implements Releases {
    public static final String DRIVER_LEASE = "heartbeat.releases";
    /** Kept in one LONGBLOB row: below MySQL's and MariaDB's default max_allowed_packet (16 MiB) with room for the statement. */
    public static final int MAX_ARTIFACT_BYTES = 15 * 1024 * 1024;
    private static final String NAME = "[A-Za-z0-9][A-Za-z0-9._-]{0,189}";
    private static final Logger LOG = LoggerFactory.getLogger(ReleaseService.class);

    private final BundleContext context;
    private final FeaturesService features;
    private final ReleaseStore store;
    private final Fleet fleet;
    private final AuditLog audit;
    private final DeployGuard guard;
    private final Reconciler.Config config;
    private final ScheduledExecutorService scheduler;
    private final KillSwitches killSwitches;
    private final LeasedRole driver;

    @Activate
    public ReleaseService(BundleContext context, @Reference ControlStore controlStore, @Reference Fleet fleet,
            @Reference Leases leases, @Reference AuditLog audit, @Reference Heartbeat heartbeat, @Reference DeployGuard guard,
            @Reference FeatureFlags flags, @Reference Metrics metrics, @Reference FeaturesService features, Reconciler.Config config) {
        this.context = context;
        this.features = features;
        this.store = new ReleaseStore(controlStore);
        this.fleet = fleet;
        this.driver = new LeasedRole(leases, DRIVER_LEASE, Duration.ofSeconds(Math.max(1, config.driverLeaseSeconds())),
                new LeasedRole.Listener() {
                    @Override
                    public void taken(Lease lease) {
                        LOG.info("releases: this node drives releases (lease epoch {})", lease.epoch());
                    }

                    @Override
                    public void lost(Lease lease) {
                        LOG.warn("releases: this node lost the driver lease; another node drives releases");
                    }
                });
        this.audit = audit;
        this.guard = guard;
        this.config = config;
        this.killSwitches = new KillSwitches(store, heartbeat, flags, this::record);
        DeliveryMeters.register(metrics, this);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "headroom-release-driver"));
        long every = Math.max(100, config.driveMillis());
        scheduler.scheduleWithFixedDelay(this::drive, every, every, TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() {
        scheduler.shutdownNow();
        driver.close(); // another node drives at once
    }

    // ---- artifacts

    @Override
    public Artifact upload(byte[] jar, String sha256) {
        if (jar == null || jar.length == 0) {
            throw new ReleaseRefusedException("the body is empty: send the bundle jar", false);
        }
        if (jar.length > MAX_ARTIFACT_BYTES) {
            throw new ReleaseRefusedException("an artifact is at most " + MAX_ARTIFACT_BYTES + " bytes (kept in one row of the control"
                    + " schema); release a larger bundle from a Maven location", false);
        }
        if (sha256 == null || !sha256.matches("[0-9a-fA-F]{64}")) {
            throw new ReleaseRefusedException("give the jar's SHA-256 (64 hex digits) with the upload", false);
        }
        String actual = sha256(jar);
        if (!actual.equalsIgnoreCase(sha256)) {
            throw new ReleaseRefusedException("checksum mismatch: the body's SHA-256 is " + actual + ", not " + sha256.toLowerCase()
                    + "; nothing was stored", false);
        }
        Manifest m;
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
            m = in.getManifest();
        } catch (IOException e) {
            throw new ReleaseRefusedException("not a jar: " + e.getMessage(), false);
        }
        Identity id = identity(m);
        try {
            Artifact a = store.putArtifact(actual, id.unit(), id.version(), id.jobs(), jar);
            return a;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store the artifact: " + e.getMessage(), e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A bundle's name, version and declared jobs, from its manifest. */
    private record Identity(String unit, String version, List<String> jobs) {
    }

    private static Identity identity(Manifest m) {
        if (m == null || m.getMainAttributes().getValue("Bundle-SymbolicName") == null) {
            throw new ReleaseRefusedException("not a bundle: the jar's manifest has no Bundle-SymbolicName", false);
        }
        String name = m.getMainAttributes().getValue("Bundle-SymbolicName").split(";")[0].trim();
        String version;
        try {
            version = Version.parseVersion(m.getMainAttributes().getValue("Bundle-Version")).toString();
        } catch (IllegalArgumentException e) {
            throw new ReleaseRefusedException("the bundle's version is not an OSGi version: " + e.getMessage(), false);
        }
        if (!name.matches(NAME)) {
            throw new ReleaseRefusedException("bundle name '" + name + "' is not accepted", false);
        }
        return new Identity(name, version, ReleaseStore.split(m.getMainAttributes().getValue("Headroom-Jobs")));
    }

    @Override
    public List<Artifact> artifacts() {
        try {
            return store.artifacts();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read artifacts: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean deleteArtifact(String sha256, String actor) {
        if (sha256 == null || !sha256.matches("[0-9a-fA-F]{64}")) {
            throw new ReleaseRefusedException("name the artifact by its SHA-256 (64 hex digits)", false);
        }
        try {
            ReleaseStore.Deleted d = store.deleteArtifact(sha256.toLowerCase());
            if (d == ReleaseStore.Deleted.REFERENCED) {
                throw new ReleaseRefusedException("artifact " + sha256.toLowerCase() + " is named by an active release or the"
                        + " fleet's desired state: nodes may still install it", true);
            }
            if (d == ReleaseStore.Deleted.DELETED) {
                record(actor, "release:artifact-delete", sha256.toLowerCase(), "deleted");
            }
            return d == ReleaseStore.Deleted.DELETED;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot delete the artifact: " + e.getMessage(), e);
        }
    }

    // ---- operator actions

    @Override
    public Release start(ReleaseRequest req, String actor) {
        if (req.unit() == null || !req.unit().matches("(" + FeatureUnits.PREFIX + ")?" + NAME)) {
            throw new ReleaseRefusedException("name the bundle to release (its symbolic name) or the feature (feature:<name>)", false);
        }
        boolean feature = FeatureUnits.isFeature(req.unit());
        String version;
        try {
            version = feature ? FeatureUnits.normalize(req.version()) : Version.parseVersion(req.version()).toString();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ReleaseRefusedException("give the version to release as an OSGi version (1.2.3.qualifier)", false);
        }
        ReleasePlan plan;
        try {
            plan = ReleasePlan.parse(req.steps(), req.canary());
        } catch (IllegalArgumentException e) {
            throw new ReleaseRefusedException(e.getMessage(), false);
        }
        long watch = req.watchSeconds() > 0 ? req.watchSeconds() : config.watchSeconds();
        if (watch > 7 * 86_400) {
            throw new ReleaseRefusedException("a watch window is at most 7 days", false);
        }
        try {
            String source;
            List<String> jobs;
            Instant uploadedAt;
            if (feature) {
                String name = FeatureUnits.name(req.unit());
                if (!FeatureUnits.acceptedSource(req.source())) {
                    throw new ReleaseRefusedException("a feature's source is the features repository every node reads it from"
                            + " (mvn:group/artifact/version/xml/features, file:, http(s):)", false);
                }
                FeatureUnits.Definition d;
                try {
                    d = FeatureUnits.find(req.source(), name, version).orElseThrow(() -> new ReleaseRefusedException(
                            req.source() + " has no feature " + name + " " + version, false));
                    jobs = FeatureUnits.jobs(d);
                } catch (ReleaseRefusedException e) {
                    throw e;
                } catch (Exception e) {
                    throw new ReleaseRefusedException("cannot read feature " + name + " " + version + " from " + req.source()
                            + " on this node: " + e, false);
                }
                source = req.source();
                uploadedAt = Instant.now();
            } else if (req.source() == null || req.source().isBlank()) {
                Artifact a = store.artifact(req.unit(), version).orElseThrow(() -> new ReleaseRefusedException(
                        "no uploaded artifact of " + req.unit() + " " + version + ": upload it or give a mvn: source", false));
                source = "sha256:" + a.sha256();
                jobs = a.jobs();
                uploadedAt = Instant.parse(a.uploadedAt());
            } else {
                if (!req.source().startsWith("mvn:") || req.source().length() > 500) {
                    throw new ReleaseRefusedException("a source is a Maven location mvn:group/artifact/version", false);
                }
                Identity id;
                try (JarInputStream in = new JarInputStream(new URL(req.source()).openStream())) {
                    id = identity(in.getManifest());
                } catch (IOException e) {
                    throw new ReleaseRefusedException("cannot read " + req.source() + " from this node: " + e.getMessage(), false);
                }
                if (!id.unit().equals(req.unit()) || !id.version().equals(version)) {
                    throw new ReleaseRefusedException(req.source() + " holds " + id.unit() + " " + id.version(), false);
                }
                source = req.source();
                jobs = id.jobs();
                uploadedAt = Instant.now();
            }
            String fromVersion;
            String fromSource;
            Optional<FleetState.Desired> desired = store.desired().stream().filter(d -> d.unit().equals(req.unit())).findFirst();
            if (desired.isPresent()) {
                fromVersion = desired.get().version();
                fromSource = desired.get().source();
            } else if (feature) {
                // what this node runs; each node's own is recorded by its reconciler before it changes anything
                String name = FeatureUnits.name(req.unit());
                try {
                    List<String> installed = FeatureUnits.installed(features, name);
                    fromVersion = installed.isEmpty() ? "" : installed.get(0);
                    fromSource = installed.isEmpty() ? "" : FeatureUnits.source(features, name, fromVersion);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot list this node's features: " + e, e);
                }
            } else {
                Bundle b = Arrays.stream(context.getBundles()).filter(x -> req.unit().equals(x.getSymbolicName())).findFirst()
                        .orElseThrow(() -> new ReleaseRefusedException("bundle " + req.unit() + " does not run here: it has"
                                + " no version to roll back to", false));
                fromVersion = b.getVersion().toString();
                fromSource = b.getLocation();
            }
            if (fromVersion.equals(version)) {
                throw new ReleaseRefusedException(req.unit() + " runs " + version + " already", true);
            }
            Instant now = Instant.now();
            ReleaseStore.Row row = new ReleaseStore.Row(0, req.unit(), fromVersion, fromSource, version, source, jobs,
                    ReleaseState.ROLLING, plan.steps(), 0, watch, actor,
                    jobs.isEmpty() ? "started; the bundle declares no jobs (Headroom-Jobs): no page can stop it" : "started",
                    uploadedAt, now, now, null, null, null);
            Optional<Long> id;
            try {
                id = store.insertRelease(row);
            } catch (SQLException e) {
                if (e.getMessage() != null && e.getMessage().contains("was deleted")) {
                    throw new ReleaseRefusedException(e.getMessage(), true);
                }
                throw e;
            }
            if (id.isEmpty()) {
                Long other = store.active().stream().filter(r -> r.unit().equals(req.unit())).map(ReleaseStore.Row::id).findFirst().orElse(null);
                throw new ReleaseRefusedException("release " + other + " of " + req.unit() + " is active: one release at a time per bundle", true);
            }
            record(actor, "release:start", req.unit(), "release " + id.get() + ": " + fromVersion + " -> " + version
                    + " steps " + plan + " watch " + watch + " s");
            return view(store.release(id.get()).orElseThrow());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot start the release: " + e.getMessage(), e);
        }
    }

    @Override
    public Release pause(long id, String actor) {
        return operatorChange(id, actor, "release:pause", r -> switch (r.state()) {
            case ROLLING, WATCHING -> ReleaseStore.Change.to(ReleaseState.PAUSED, "paused by " + actor + " at step " + (r.step() + 1));
            default -> null;
        });
    }

    @Override
    public Release resume(long id, String actor) {
        return operatorChange(id, actor, "release:resume", r -> r.state() == ReleaseState.PAUSED
                ? new ReleaseStore.Change(ReleaseState.ROLLING, "resumed by " + actor, null, true, false, false) : null);
    }

    @Override
    public Release promote(long id, String actor) {
        return operatorChange(id, actor, "release:promote", r -> r.state().newVersionOnTargets()
                ? new ReleaseStore.Change(ReleaseState.ROLLING, "promoted to the whole fleet by " + actor, r.steps().size() - 1, true, false, false)
                : null);
    }

    @Override
    public Release abort(long id, String actor) {
        return operatorChange(id, actor, "release:abort", r -> r.state().newVersionOnTargets()
                ? ReleaseStore.Change.to(ReleaseState.ROLLING_BACK, "aborted by " + actor + ": rolling back to " + r.fromVersion()) : null);
    }

    private Release operatorChange(long id, String actor, String action,
            java.util.function.Function<ReleaseStore.Row, ReleaseStore.Change> decide) {
        try {
            ReleaseStore.Row r = store.release(id).orElseThrow(() -> new ReleaseRefusedException("no release " + id, false));
            ReleaseStore.Change change = decide.apply(r);
            if (change == null || !store.transition(r, r.state(), change, null)) {
                throw new ReleaseRefusedException("release " + id + " is " + store.release(id).orElseThrow().state().wire()
                        + ": " + action.substring("release:".length()) + " does not apply", true);
            }
            record(actor, action, r.unit(), "release " + id + ": " + change.reason());
            return view(store.release(id).orElseThrow());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot change release " + id + ": " + e.getMessage(), e);
        }
    }

    // ---- views

    @Override
    public Optional<Release> release(long id) {
        try {
            return store.release(id).map(this::view);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read release " + id + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<Release> releases(int limit) {
        try {
            List<NodeRun> runs = nodeRuns();
            return store.releases(limit).stream().map(r -> view(r, runs)).toList();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read releases: " + e.getMessage(), e);
        }
    }

    @Override
    public FleetState fleetState() {
        try {
            return new FleetState(store.desired(), nodeRuns());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the fleet's state: " + e.getMessage(), e);
        }
    }

    private Release view(ReleaseStore.Row r) {
        try {
            return view(r, nodeRuns());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read what nodes run: " + e.getMessage(), e);
        }
    }

    private static Release view(ReleaseStore.Row r, List<NodeRun> runs) {
        return new Release(r.id(), r.unit(), r.fromVersion(), r.toVersion(), r.toSource(), r.jobs(), r.state().wire(),
                r.steps(), r.step(), r.watchSeconds(), r.startedBy(), str(r.startedAt()), str(r.stepStartedAt()),
                str(r.endedAt()), r.reason(), runs.stream().filter(n -> n.unit().equals(r.unit())).toList());
    }

    private static String str(Instant i) {
        return i == null ? null : i.toString();
    }

    private List<NodeRun> nodeRuns() throws SQLException {
        Set<String> live = liveNodes();
        List<NodeRun> out = new ArrayList<>();
        for (String[] r : store.reports()) {
            out.add(new NodeRun(r[0], r[1], r[2], r[3], live.contains(r[0]), r[4], r[5]));
        }
        return out;
    }

    private Set<String> liveNodes() {
        return fleet.liveNodes().stream().map(FleetNode::id).collect(Collectors.toCollection(TreeSet::new));
    }

    // ---- the driver

    /** One pass of the lease holder: every active release moved on, then kill switches. */
    void drive() {
        try {
            Optional<Lease> held = driver.hold();
            if (held.isEmpty()) {
                return;
            }
            Lease lease = held.get();
            for (ReleaseStore.Row r : store.active()) {
                try {
                    advance(r, lease);
                } catch (Exception e) {
                    LOG.warn("releases: cannot move release {} on: {}", r.id(), e.toString());
                }
            }
            killSwitches.act(lease);
        } catch (Exception e) {
            LOG.warn("releases: driver pass failed: {}", e.toString());
        }
    }

    private void advance(ReleaseStore.Row r, Lease lease) throws SQLException {
        ReleasePlan plan = new ReleasePlan(r.steps());
        String stepName = "step " + (r.step() + 1) + "/" + r.steps().size();
        if (r.state().newVersionOnTargets() && !r.jobs().isEmpty()) {
            Optional<String> cause = guard.rollbackCause(r.jobs(), r.startedAt());
            if (cause.isPresent()) {
                String reason = "rolled back at " + stepName + " to " + r.fromVersion() + " on every node: " + cause.get();
                if (store.transition(r, r.state(), new ReleaseStore.Change(ReleaseState.ROLLING_BACK, reason, null, false, false, true), lease)) {
                    LOG.warn("release {} of {}: {}", r.id(), r.unit(), reason);
                    record("heartbeat", "release:rollback", r.unit(), "release " + r.id() + ": " + reason);
                }
                return;
            }
        }
        Set<String> live = liveNodes();
        Map<String, String> running = new LinkedHashMap<>();
        for (String[] rep : store.reports()) {
            if (rep[1].equals(r.unit())) {
                running.put(rep[0], rep[3]);
            }
        }
        switch (r.state()) {
            case ROLLING -> {
                int want = plan.nodesAt(r.step(), live.size());
                Set<String> targets = new HashSet<>(store.targets(r.id()));
                List<String> liveTargets = live.stream().filter(targets::contains).toList();
                if (liveTargets.size() < want) {
                    List<String> add = live.stream().filter(n -> !targets.contains(n)).limit(want - liveTargets.size()).toList();
                    store.addTargets(r.id(), add, lease);
                    targets.addAll(add);
                    record("heartbeat", "release:step", r.unit(), "release " + r.id() + " " + stepName + ": " + add + " get " + r.toVersion());
                }
                List<String> now = live.stream().filter(targets::contains).toList();
                boolean converged = !now.isEmpty() && now.stream().allMatch(n -> r.toVersion().equals(running.get(n)));
                if (converged) {
                    boolean last = plan.last(r.step());
                    String reason = stepName + ": " + now.size() + " of " + live.size() + " live nodes run " + r.toVersion()
                            + "; watching " + r.jobs() + " for " + r.watchSeconds() + " s";
                    if (store.transition(r, ReleaseState.ROLLING, new ReleaseStore.Change(ReleaseState.WATCHING, reason, null, true, last, false), lease)) {
                        record("heartbeat", "release:watch", r.unit(), "release " + r.id() + " " + reason);
                    }
                }
            }
            case WATCHING -> {
                if (Instant.now().isBefore(r.stepStartedAt().plusSeconds(r.watchSeconds()))) {
                    return;
                }
                if (plan.last(r.step())) {
                    String reason = "completed: every node runs " + r.toVersion() + ", no page for " + r.jobs() + " in "
                            + r.watchSeconds() + " s";
                    if (store.transition(r, ReleaseState.WATCHING, ReleaseStore.Change.to(ReleaseState.COMPLETED, reason), lease)) {
                        record("heartbeat", "release:complete", r.unit(), "release " + r.id() + " " + reason);
                    }
                } else {
                    String reason = stepName + " quiet for " + r.watchSeconds() + " s: widening to step " + (r.step() + 2);
                    if (store.transition(r, ReleaseState.WATCHING, new ReleaseStore.Change(ReleaseState.ROLLING, reason, r.step() + 1, true, false, false), lease)) {
                        record("heartbeat", "release:step", r.unit(), "release " + r.id() + " " + reason);
                    }
                }
            }
            case ROLLING_BACK -> {
                boolean restored = live.stream().filter(running::containsKey).allMatch(n -> !r.toVersion().equals(running.get(n)));
                if (restored && store.transition(r, ReleaseState.ROLLING_BACK,
                        ReleaseStore.Change.to(ReleaseState.ROLLED_BACK, r.reason() + "; every live node runs " + r.fromVersion() + " again"), lease)) {
                    record("heartbeat", "release:rolled-back", r.unit(), "release " + r.id() + ": every live node runs " + r.fromVersion());
                }
            }
            default -> {
                // paused: the guard above still watches
            }
        }
    }

    // ---- kill switches

    @Override
    public KillSwitch putKillSwitch(KillSwitch k, String actor) {
        return killSwitches.put(k, actor);
    }

    @Override
    public List<KillSwitch> killSwitches() {
        return killSwitches.list();
    }

    @Override
    public boolean deleteKillSwitch(String flag, String actor) {
        return killSwitches.delete(flag, actor);
    }

    // ---- delivery figures

    @Override
    public List<DeliveryFigures> figures(Duration window) {
        try {
            return DeliveryMeters.figures(store.since(Instant.now().minus(window)), window);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read releases: " + e.getMessage(), e);
        }
    }

    private void record(String actor, String action, String target, String outcome) {
        audit.record(AuditEntry.of(actor, "releases", action, target, outcome, null));
    }
}
