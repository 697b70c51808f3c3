package io.headroom.heartbeat.internal;

import io.headroom.core.api.InvalidJobNameException;
import io.headroom.core.api.JobName;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.fleet.Fleet;
import io.headroom.core.api.fleet.Lease;
import io.headroom.core.api.fleet.LeaseLostException;
import io.headroom.core.api.fleet.LeasedRole;
import io.headroom.core.api.fleet.Leases;
import io.headroom.core.api.metrics.Metrics;
import io.headroom.core.api.metrics.TopTenants;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.SignalListener;
import io.headroom.core.api.store.ControlStore;
import io.headroom.heartbeat.api.Alert;
import io.headroom.heartbeat.api.AlertSink;
import io.headroom.heartbeat.api.Heartbeat;
import io.headroom.heartbeat.api.JobHealth;
import io.headroom.heartbeat.api.Slo;
import io.headroom.heartbeat.internal.core.BurnRule;
import io.headroom.heartbeat.internal.core.HeartbeatEngine;
import io.headroom.heartbeat.internal.core.Series;
import io.headroom.heartbeat.internal.store.HeartbeatStore;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 * The heartbeat: consumes outcome signals from every capability (and REST ingestion), evaluates burn-rate alerts on a
 * fixed cycle, persists counters and alerts in the control schema, and sends alerts to the log, the webhook,
 * EventAdmin and any {@link AlertSink} services.
 *
 * <p>On a fleet each node counts the events it receives ({@code local}) and writes its counts to the control schema
 * every {@code flushSeconds}; every node reads the other nodes' counts back and adds its own ({@code fleet}), which is
 * what every view shows: its own events at once, the other nodes' within a flush interval. One node, the holder of the {@value #EVALUATOR_LEASE} lease, evaluates the fleet's counts and fires and
 * resolves alerts, so an alert fires once for the platform; when that node dies another takes the lease over and
 * carries on from the alerts recorded as firing.
 */
@Component(service = {Heartbeat.class, SignalListener.class, HeartbeatService.class}, configurationPid = HeartbeatService.PID)
@Designate(ocd = HeartbeatService.Config.class)
public final class HeartbeatService implements Heartbeat, SignalListener {
    public static final String PID = "io.headroom.heartbeat";
    static final String EVALUATOR_LEASE = "heartbeat.evaluator";
    private static final Logger LOG = LoggerFactory.getLogger(HeartbeatService.class);

    @ObjectClassDefinition(name = "Headroom heartbeat")
    public @interface Config {
        @AttributeDefinition(description = "Seconds between evaluation cycles")
        long evaluateSeconds() default 60;

        @AttributeDefinition(description = "Seconds between writes of this node's counters to the control schema (and reads of the fleet's)")
        long flushSeconds() default 10;

        @AttributeDefinition(description = "Seconds after which another node takes evaluation over from a node that stopped renewing it")
        long evaluatorLeaseSeconds() default 30;

        @AttributeDefinition(description = "POST alerts as JSON to this URL (empty: no webhook)")
        String webhookUrl() default "";

        int webhookAttempts() default 5;

        @AttributeDefinition(description = "A rule needs at least this many bad events in its long window")
        int minBadEvents() default 5;

        @AttributeDefinition(description = "Short windows stretch back until they hold this many events")
        int minShortEvents() default 5;

        @AttributeDefinition(description = "Most (tenant, job) series kept; beyond it new tenants count platform-wide only")
        int maxSeries() default 200_000;

        @AttributeDefinition(description = "Most job series one tenant may have; events that would make more are refused"
                + " over REST (429) and not counted from other capabilities")
        int maxSeriesPerTenant() default HeartbeatEngine.Settings.DEFAULT_MAX_SERIES_PER_TENANT;

        @AttributeDefinition(description = "A platform-wide alert fires only when at least this many tenants burn over the"
                + " rule's factor themselves (or a critical tenant does): one tenant's failures page that tenant, never the"
                + " platform on their own")
        int platformTenantQuorum() default HeartbeatEngine.Settings.DEFAULT_PLATFORM_TENANT_QUORUM;

        @AttributeDefinition(description = "Tenants whose burn alone makes a platform-wide alert fire (the largest customers)")
        String[] criticalTenants() default {};

        @AttributeDefinition(description = "SLOs defined in configuration: job:target[:latencyMillis], e.g. conversation.create:0.995:2000")
        String[] slos() default {};
    }

    private final HeartbeatStore store;
    private final HeartbeatEngine local;
    private final HeartbeatEngine fleet;
    private final AlertDispatch dispatch;
    private final ScheduledExecutorService scheduler;
    private final HeartbeatMeters meters;
    private final LeasedRole evaluator;
    private Timestamp fleetReadAt;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    private final List<AlertSink> sinks = new CopyOnWriteArrayList<>();

    @Activate
    public HeartbeatService(@Reference ControlStore controlStore, @Reference Fleet nodes, @Reference Leases leases,
            @Reference Metrics metrics, @Reference TopTenants top, Config config) throws SQLException {
        this.store = new HeartbeatStore(controlStore, nodes.nodeId());
        for (String specs : config.slos()) {
            for (String spec : specs.split(",")) {
                if (!spec.isBlank()) {
                    store.putSlo(parseSlo(spec));
                }
            }
        }
        this.dispatch = new AlertDispatch(config.webhookUrl(), config.webhookAttempts(), sinks);
        HeartbeatEngine.Settings settings = new HeartbeatEngine.Settings(BurnRule.STANDARD, config.minBadEvents(),
                config.minShortEvents(), config.maxSeries(), 100, config.maxSeriesPerTenant(), config.platformTenantQuorum(),
                java.util.Arrays.stream(config.criticalTenants()).flatMap(t -> java.util.Arrays.stream(t.split(",")))
                        .map(String::trim).filter(t -> !t.isEmpty()).collect(java.util.stream.Collectors.toSet()));
        this.local = new HeartbeatEngine(System::currentTimeMillis, settings, new HeartbeatEngine.AlertListener() {
            @Override
            public long fired(Alert alert) {
                throw new IllegalStateException("this node's own counts are never evaluated");
            }

            @Override
            public void resolved(Alert alert) {
                throw new IllegalStateException("this node's own counts are never evaluated");
            }
        });
        this.fleet = new HeartbeatEngine(System::currentTimeMillis, settings, new HeartbeatEngine.AlertListener() {
            @Override
            public long fired(Alert alert) {
                Lease lease = evaluator.held().orElseThrow(() -> new LeaseLostException(EVALUATOR_LEASE));
                try {
                    long id = store.insertAlert(alert, lease);
                    dispatch.fired(withId(alert, id));
                    return id;
                } catch (SQLException e) {
                    throw new IllegalStateException("cannot record alert: " + e.getMessage(), e);
                }
            }

            @Override
            public void resolved(Alert alert) {
                try {
                    store.resolveAlert(alert);
                } catch (SQLException e) {
                    LOG.warn("cannot record the resolution of alert {}: {}", alert.id(), e.getMessage());
                }
                dispatch.resolved(alert);
            }
        });
        List<Slo> slos = store.slos();
        local.setSlos(slos);
        fleet.setSlos(slos);
        long nowMinute = System.currentTimeMillis() / 60_000;
        LOG.info("heartbeat restored {} counter slots of this node", store.restore(local, nowMinute));
        fleetReadAt = store.loadFleet(fleet, local, null, nowMinute);
        fleet.replaceFiring(store.firing());
        meters = new HeartbeatMeters(metrics, top, this, fleet::firing);
        evaluator = new LeasedRole(leases, EVALUATOR_LEASE, Duration.ofSeconds(Math.max(1, config.evaluatorLeaseSeconds())),
                new LeasedRole.Listener() {
                    @Override
                    public void taken(Lease lease) {
                        try {
                            fleet.replaceFiring(store.firing()); // carry on from what the previous evaluator recorded
                        } catch (SQLException e) {
                            throw new IllegalStateException("cannot read the firing alerts: " + e.getMessage(), e);
                        }
                        LOG.info("heartbeat: this node evaluates the fleet's alerts (lease epoch {})", lease.epoch());
                    }

                    @Override
                    public void lost(Lease lease) {
                        LOG.warn("heartbeat: this node lost the evaluator lease; another node evaluates the fleet's alerts");
                    }
                });
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "headroom-heartbeat"));
        scheduler.scheduleWithFixedDelay(this::evaluateQuietly, config.evaluateSeconds(), config.evaluateSeconds(), TimeUnit.SECONDS);
        scheduler.scheduleWithFixedDelay(this::flushQuietly, config.flushSeconds(), config.flushSeconds(), TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        scheduler.shutdown();
        scheduler.awaitTermination(10, TimeUnit.SECONDS);
        flushQuietly(); // what was counted since the last flush is not lost on a clean stop
        evaluator.close(); // another node evaluates at once, not after the lease expires
        dispatch.close();
    }

    static Slo parseSlo(String spec) {
        String[] parts = spec.trim().split(":");
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("SLO '" + spec + "' is not job:target[:latencyMillis]");
        }
        return new Slo(parts[0], Double.parseDouble(parts[1]), parts.length == 3 ? Long.valueOf(parts[2]) : null, "from configuration");
    }

    private static Alert withId(Alert a, long id) {
        return new Alert(id, a.tenant(), a.job(), a.severity(), a.rule(), a.longBurn(), a.shortBurn(), a.firedAt(), a.resolvedAt());
    }

    private void evaluateQuietly() {
        try {
            evaluate();
        } catch (RuntimeException e) {
            LOG.warn("heartbeat evaluation failed: {}", e.getMessage(), e);
        }
    }

    private void flushQuietly() {
        try {
            synchronized (this) {
                flushAndRead();
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("heartbeat counters not written or read this time (kept for the next flush): {}", e.getMessage());
        }
    }

    /** Writes this node's counts, then reads the fleet's counts that changed since the last read. */
    private void flushAndRead() throws SQLException {
        long nowMinute = System.currentTimeMillis() / 60_000;
        store.flush(local, nowMinute);
        fleetReadAt = store.loadFleet(fleet, local, fleetReadAt, nowMinute);
    }

    @Override
    public void onOutcome(OutcomeEvent event) {
        record(event);
    }

    @Override
    public void record(OutcomeEvent event) {
        if (local.record(event)) {
            fleet.record(event); // shown at once here; other nodes see it after the next flush
            Slo slo = fleet.slos().get(event.job());
            meters.record(event, slo == null ? event.success() : slo.isGood(event.success(), event.latencyMillis()));
        }
    }

    @Override
    public void recordAll(List<OutcomeEvent> events) {
        for (int i = 0; i < events.size(); i++) {
            OutcomeEvent e = events.get(i);
            try {
                JobName.of(e.job());
            } catch (InvalidJobNameException bad) {
                throw new IllegalArgumentException("event " + i + ": " + bad.getMessage());
            }
            if (!local.acceptsTime(e.at())) {
                throw new IllegalArgumentException("event " + i + ": older than the longest window (3 days)");
            }
            String limit = local.seriesLimit(e);
            if (limit != null) {
                throw new SeriesLimitException("event " + i + ": " + limit);
            }
        }
        events.forEach(this::record);
    }

    @Override
    public List<Slo> slos() {
        return List.copyOf(fleet.slos().values()).stream().sorted((a, b) -> a.job().compareTo(b.job())).toList();
    }

    @Override
    public Optional<Slo> slo(String job) {
        return Optional.ofNullable(fleet.slos().get(job));
    }

    @Override
    public Slo putSlo(Slo slo) {
        try {
            store.putSlo(slo);
            setSlos(store.slos());
            return slo;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store the SLO: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean deleteSlo(String job) {
        try {
            boolean deleted = store.deleteSlo(job);
            setSlos(store.slos());
            return deleted;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot delete the SLO: " + e.getMessage(), e);
        }
    }

    @Override
    public List<JobHealth> platform() {
        return fleet.platform();
    }

    @Override
    public List<JobHealth> tenant(TenantId tenant) {
        return fleet.tenant(tenant);
    }

    @Override
    public List<TenantId> tenants() {
        return fleet.tenants();
    }

    @Override
    public List<JobHealth> worstTenants(int limit) {
        return fleet.worst(limit);
    }

    @Override
    public List<Alert> alerts(int limit) {
        try {
            return store.alerts(limit);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read alerts: " + e.getMessage(), e);
        }
    }

    /**
     * Flushes this node's counts, reads the fleet's, and evaluates them: alerts fire and resolve only on the node that
     * holds the evaluator lease; the others refresh the fleet's health for their views and show the alerts it fired.
     */
    @Override
    public synchronized void evaluate() {
        try {
            setSlos(store.slos()); // SLOs changed on other nodes
            flushAndRead();
            boolean evaluating = evaluator.hold().isPresent();
            if (!evaluating) {
                fleet.replaceFiring(store.firing());
            }
            fleet.evaluate(evaluating);
        } catch (SQLException e) {
            LOG.warn("heartbeat evaluation skipped, the control schema did not answer: {}", e.getMessage());
        }
    }

    private void setSlos(List<Slo> slos) {
        local.setSlos(slos);
        fleet.setSlos(slos);
    }

    /**
     * The platform-wide burn rate of a job in each of the last {@code minutes} minutes, oldest first (NaN for a minute
     * without events), from the fleet-wide rings.
     */
    public double[] burnPerMinute(String job, int minutes) {
        double[] out = new double[minutes];
        java.util.Arrays.fill(out, Double.NaN);
        Series series = fleet.existingSeries(new HeartbeatEngine.Key("", job));
        Slo slo = fleet.slos().get(job);
        if (series == null || slo == null) {
            return out;
        }
        long now = System.currentTimeMillis() / 60_000;
        for (int i = 0; i < minutes; i++) {
            long[] counts = series.minuteCounts(now - minutes + 1 + i);
            if (counts[0] > 0) {
                out[i] = (counts[1] / (double) counts[0]) / slo.budget();
            }
        }
        return out;
    }

    public HeartbeatStore store() {
        return store;
    }
}
