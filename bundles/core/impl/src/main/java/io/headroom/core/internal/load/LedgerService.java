package io.headroom.core.internal.load;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.fleet.Fleet;
import io.headroom.core.api.fleet.Lease;
import io.headroom.core.api.fleet.LeasedRole;
import io.headroom.core.api.fleet.Leases;
import io.headroom.core.api.load.LoadSpike;
import io.headroom.core.api.load.SpikeListener;
import io.headroom.core.api.load.TenantLayerLoad;
import io.headroom.core.api.load.TenantLoad;
import io.headroom.core.api.metrics.Metrics;
import io.headroom.core.api.metrics.TenantSamples;
import io.headroom.core.api.store.ControlStore;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
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
 * The tenant load ledger: consumes every capability's load signals into this node's {@link LoadLedger}, writes the
 * node's figures to the control schema every {@code flushMillis} (its rows replaced, as the heartbeat writes its
 * per-node counters) and reads every live node's rows back added up: that fleet view is what the shell, REST, the
 * console and the metrics show. The node holding the {@value #SPIKE_LEASE} lease evaluates spikes on the fleet view and
 * reports each start and end once ({@link SpikeReporter}: log, metric, {@link SpikeListener}s and the webhook if set).
 *
 * <p>When the control schema cannot be reached the node keeps counting and shows the last fleet view it read.
 */
@Component(service = TenantLoad.class, configurationPid = JdbcTenantLimits.PID)
@Designate(ocd = LedgerService.Config.class)
public final class LedgerService implements TenantLoad {
    static final String OUTCOMES = TenantLoad.layer(TenantTracker.HEALTH, "outcomes");
    static final String FAILURES = TenantLoad.layer(TenantTracker.HEALTH, "failures");
    static final String SPIKE_LEASE = "headroom.load.spikes";
    private static final Logger LOG = LoggerFactory.getLogger(LedgerService.class);
    /** Rows below this rate and baseline (per second) are not written: idle tenants leave the table. */
    private static final double IDLE = 1e-4;

    @ObjectClassDefinition(name = "Headroom tenant load and limits")
    public @interface Config {
        @AttributeDefinition(description = "Tenants tracked by name per layer on each node (the rest are summed)")
        int tenantsPerLayer() default 1000;

        @AttributeDefinition(description = "Measures tracked at most (a capability's queries, jobs, tokens ... each one)")
        int maxMeasures() default 16;

        @AttributeDefinition(description = "Resources (shards, queues, routes ...) tracked by name per measure, the busiest (the rest as *other*)")
        int resourcesPerMeasure() default 8;

        @AttributeDefinition(description = "Half-life of the current rate, seconds")
        double rateHalfLifeSeconds() default 10;

        @AttributeDefinition(description = "Half-life of the baseline, seconds")
        double baselineHalfLifeSeconds() default 900;

        @AttributeDefinition(description = "How often each node writes its figures and reads the fleet's, ms")
        long flushMillis() default 2000;

        @AttributeDefinition(description = "A spike: rate over this many times the tenant's baseline ...")
        double spikeFactor() default 3;

        @AttributeDefinition(description = "... with at least this share of the layer (0-1) ...")
        double spikeMinShare() default 0.2;

        @AttributeDefinition(description = "... and at least this rate per second")
        double spikeMinRate() default 1;

        @AttributeDefinition(description = "URL that spike starts and ends are POSTed to as JSON (empty: none)")
        String spikeWebhook() default "";

        @AttributeDefinition(description = "How often each node checks the control schema for tenant limit changes, ms")
        long limitRefreshMillis() default 250;
    }

    private final LoadLedger ledger;
    private final TenantTracker tracker;
    private final DataSource db;
    private final Fleet fleet;
    private final LeasedRole spikeWatch;
    private final Config config;
    private final LoadView.SpikeRule rule;
    private final SpikeWatch watch = new SpikeWatch();
    private final ScheduledExecutorService scheduler;
    private final SpikeReporter reporter;
    private volatile LoadView view = LoadView.EMPTY;
    private boolean failing;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    private final List<SpikeListener> listeners = new CopyOnWriteArrayList<>();

    @Activate
    public LedgerService(@Reference ControlStore store, @Reference Fleet fleet, @Reference Leases leases, @Reference Metrics metrics,
            @Reference TenantTracker tracker, Config config) {
        store.migrate("core.load", JdbcTenantLimits.MIGRATIONS);
        this.db = store.dataSource();
        this.fleet = fleet;
        this.spikeWatch = new LeasedRole(leases, SPIKE_LEASE, Duration.ofMillis(Math.max(3_000, 3 * config.flushMillis())),
                new LeasedRole.Listener() {
                    @Override
                    public void lost(Lease lease) {
                        watch.reset();
                    }
                });
        this.config = config;
        this.rule = new LoadView.SpikeRule(config.spikeFactor(), config.spikeMinShare(), config.spikeMinRate());
        this.ledger = tracker.ledger();
        this.tracker = tracker;
        this.reporter = new SpikeReporter(config.spikeWebhook().isBlank() ? null : URI.create(config.spikeWebhook().trim()),
                metrics.counter("headroom_tenant_load_spikes",
                        "Tenant spikes against their own baseline that started, by layer and tenant", "layer", "tenant"),
                tracker, listeners);
        metrics.gauge("headroom_tenant_load_rate", "Fleet-wide load per second by layer and tenant (the busiest by name)",
                List.of("layer", "tenant"), s -> {
                    LoadView v = view;
                    for (String layer : v.layers()) {
                        TenantSamples.top(s, 10, v.top(layer, Integer.MAX_VALUE), TenantLayerLoad::tenant, TenantLayerLoad::rate, layer);
                    }
                });
        metrics.gauge("headroom_tenant_load_tracked", "Tenants this node tracks by name over all layers", List.of(),
                s -> s.sample(ledger.tracked()));
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "headroom-load-ledger");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(this::flushQuietly, 0, config.flushMillis(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::drainOutcomesQuietly, TenantTracker.OUTCOME_DRAIN_MILLIS,
                TenantTracker.OUTCOME_DRAIN_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        spikeWatch.close();
    }

    private void drainOutcomesQuietly() {
        try {
            tracker.drainOutcomes();
        } catch (RuntimeException e) {
            LOG.warn("tenant load: outcomes not counted this time: {}", e.toString());
        }
    }

    private void flushQuietly() {
        try {
            flush();
            if (failing) {
                failing = false;
                LOG.info("tenant load: the control schema answers again");
            }
        } catch (SQLException | RuntimeException e) {
            if (!failing) {
                failing = true;
                LOG.warn("tenant load not written or read this time (showing the last fleet view): {}", e.getMessage());
            }
        }
        try {
            evaluate();
        } catch (RuntimeException e) {
            LOG.warn("tenant spike evaluation failed: {}", e.toString());
        }
    }

    private void flush() throws SQLException {
        String node = fleet.nodeId();
        tracker.drainOutcomes();
        List<LoadLedger.LayerFigures> figures = ledger.snapshot();
        try (Connection c = db.getConnection()) {
            ControlStore.replaceOwnRows(c, () -> {
                try (PreparedStatement p = c.prepareStatement("DELETE FROM tenant_load WHERE node = ?")) {
                    p.setString(1, node);
                    p.executeUpdate();
                }
                try (PreparedStatement p = c.prepareStatement(
                        "INSERT INTO tenant_load (node, layer, tenant, rate, baseline) VALUES (?, ?, ?, ?, ?)")) {
                    for (LoadLedger.LayerFigures l : figures) {
                        add(p, node, l.layer(), LoadView.TOTAL, l.rate(), l.baseline());
                        for (LoadLedger.Figure f : l.tenants()) {
                            if (f.rate() > IDLE || f.baseline() > IDLE) {
                                add(p, node, l.layer(), f.tenant(), f.rate(), f.baseline());
                            }
                        }
                    }
                    p.executeBatch();
                }
            });
            // the rows of nodes that stopped writing are left out; a node gone for an hour is forgotten
            long staleSeconds = Math.max(3, 3 * config.flushMillis() / 1000);
            List<LoadView.Row> rows = new ArrayList<>();
            try (PreparedStatement p = c.prepareStatement("SELECT layer, tenant, SUM(rate), SUM(baseline) FROM tenant_load"
                    + " WHERE updated_at > NOW(3) - INTERVAL ? SECOND GROUP BY layer, tenant")) {
                p.setLong(1, staleSeconds);
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new LoadView.Row(rs.getString(1), rs.getString(2), rs.getDouble(3), rs.getDouble(4)));
                    }
                }
            }
            view = LoadView.of(rows, rule);
            try (PreparedStatement p = c.prepareStatement("DELETE FROM tenant_load WHERE updated_at < NOW(3) - INTERVAL 1 HOUR")) {
                p.executeUpdate();
            }
        }
    }

    private static void add(PreparedStatement p, String node, String layer, String tenant, double rate, double baseline)
            throws SQLException {
        p.setString(1, node);
        p.setString(2, layer.length() > 64 ? layer.substring(0, 64) : layer);
        p.setString(3, tenant);
        p.setDouble(4, rate);
        p.setDouble(5, baseline);
        p.addBatch();
    }

    /** Evaluates spikes on the fleet view, on the one node holding the lease. */
    private void evaluate() {
        if (spikeWatch.hold().isEmpty()) {
            return;
        }
        for (LoadSpike s : watch.next(view, Instant.now())) {
            reporter.report(s);
        }
    }

    /** What this node counted itself, before any flush (for the benchmark and tests of one node). */
    LoadView localView() {
        tracker.drainOutcomes();
        List<LoadView.Row> rows = new ArrayList<>();
        for (LoadLedger.LayerFigures l : ledger.snapshot()) {
            rows.add(new LoadView.Row(l.layer(), LoadView.TOTAL, l.rate(), l.baseline()));
            l.tenants().forEach(f -> rows.add(new LoadView.Row(l.layer(), f.tenant(), f.rate(), f.baseline())));
        }
        return LoadView.of(rows, rule);
    }

    @Override
    public List<String> layers() {
        return view.layers();
    }

    @Override
    public List<TenantLayerLoad> top(String layer, int n) {
        return view.top(layer, n);
    }

    @Override
    public List<TenantLayerLoad> tenant(TenantId tenant) {
        return view.tenant(tenant.value());
    }

    @Override
    public List<TenantLayerLoad> spiking() {
        return view.spiking();
    }
}
