package io.headroom.core.internal.load;

import io.headroom.core.api.InvalidTenantIdException;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.fleet.Fleet;
import io.headroom.core.api.fleet.Lease;
import io.headroom.core.api.fleet.Leases;
import io.headroom.core.api.load.LoadSpike;
import io.headroom.core.api.load.SpikeListener;
import io.headroom.core.api.load.TenantLayerLoad;
import io.headroom.core.api.load.TenantLoad;
import io.headroom.core.api.metrics.Counter;
import io.headroom.core.api.metrics.Metrics;
import io.headroom.core.api.metrics.TenantSamples;
import io.headroom.core.api.metrics.TopTenants;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.SignalListener;
import io.headroom.core.api.store.ControlStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * reports each start and end once: log, metric, {@link SpikeListener}s (EventAdmin among them) and the webhook if set.
 *
 * <p>When the control schema cannot be reached the node keeps counting and shows the last fleet view it read.
 */
@Component(service = {SignalListener.class, TenantLoad.class}, configurationPid = JdbcTenantLimits.PID)
@Designate(ocd = LedgerService.Config.class)
public final class LedgerService implements SignalListener, TenantLoad {
    static final String OUTCOMES = LoadView.HEALTH_PREFIX + "outcomes";
    static final String FAILURES = LoadView.HEALTH_PREFIX + "failures";
    static final String SPIKE_LEASE = "headroom.load.spikes";
    private static final Logger LOG = LoggerFactory.getLogger(LedgerService.class);
    /** Rows below this rate and baseline (per second) are not written: idle tenants leave the table. */
    private static final double IDLE = 1e-4;
    private static final ObjectMapper JSON = new ObjectMapper();

    @ObjectClassDefinition(name = "Headroom tenant load and limits")
    public @interface Config {
        @AttributeDefinition(description = "Tenants tracked by name per layer on each node (the rest are summed)")
        int tenantsPerLayer() default 1000;

        @AttributeDefinition(description = "Layers tracked at most")
        int maxLayers() default 16;

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
    private final DataSource db;
    private final Fleet fleet;
    private final Leases leases;
    private final TopTenants top;
    private final Config config;
    private final LoadView.SpikeRule rule;
    private final SpikeWatch watch = new SpikeWatch();
    private final ScheduledExecutorService scheduler;
    private final Counter spikes;
    private final HttpClient http;
    private final URI webhook;
    private volatile LoadView view = LoadView.EMPTY;
    private Lease lease;
    private boolean failing;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    private final List<SpikeListener> listeners = new CopyOnWriteArrayList<>();

    @Activate
    public LedgerService(@Reference ControlStore store, @Reference Fleet fleet, @Reference Leases leases, @Reference Metrics metrics,
            @Reference TopTenants top, Config config) {
        store.migrate("core.load", JdbcTenantLimits.MIGRATIONS);
        this.db = store.dataSource();
        this.fleet = fleet;
        this.leases = leases;
        this.top = top;
        this.config = config;
        this.rule = new LoadView.SpikeRule(config.spikeFactor(), config.spikeMinShare(), config.spikeMinRate());
        this.ledger = new LoadLedger(new LoadLedger.Settings(config.tenantsPerLayer(), config.maxLayers(),
                Math.round(config.rateHalfLifeSeconds() * 1000), Math.round(config.baselineHalfLifeSeconds() * 1000)),
                System::currentTimeMillis);
        this.webhook = config.spikeWebhook().isBlank() ? null : URI.create(config.spikeWebhook().trim());
        this.http = webhook == null ? null : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        this.spikes = metrics.counter("headroom_tenant_load_spikes",
                "Tenant spikes against their own baseline that started, by layer and tenant", "layer", "tenant");
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
    }

    @Deactivate
    void deactivate() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (lease != null) {
            lease.close();
        }
    }

    /**
     * Outcomes (what the heartbeat consumes) as two layers of their own, so a tenant's view shows how its jobs fare
     * next to its load: {@value #OUTCOMES} all of them, {@value #FAILURES} the failed ones.
     */
    @Override
    public void onOutcome(OutcomeEvent event) {
        String tenant = event.tenant().value();
        ledger.add(OUTCOMES, tenant, 1);
        if (!event.success()) {
            ledger.add(FAILURES, tenant, 1);
        }
    }

    @Override
    public void onLoad(LoadSample sample) {
        ledger.add(sample.capability(), sample.tenant().value(), sample.amount());
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
        if (lease == null || !lease.held()) {
            if (lease != null) {
                lease.close();
                watch.reset();
            }
            Optional<Lease> taken = leases.tryAcquire(SPIKE_LEASE, Duration.ofMillis(Math.max(3_000, 3 * config.flushMillis())));
            lease = taken.orElse(null);
            if (lease == null) {
                return;
            }
        }
        for (LoadSpike s : watch.next(view, Instant.now())) {
            report(s);
        }
    }

    private void report(LoadSpike s) {
        if (s.ended()) {
            LOG.info("tenant {} no longer spikes on {}: {}/s against a baseline of {}/s, {}% of the layer", s.tenant(), s.layer(),
                    round(s.rate()), round(s.baseline()), Math.round(s.share() * 100));
        } else {
            LOG.warn("tenant {} spikes on {}: {}/s, {}x its baseline of {}/s, {}% of the layer", s.tenant(), s.layer(), round(s.rate()),
                    s.baseline() > 0 ? round(s.rate() / s.baseline()) : "∞", round(s.baseline()), Math.round(s.share() * 100));
            spikes.inc(s.layer(), label(s.tenant()));
        }
        for (SpikeListener l : listeners) {
            try {
                l.spike(s);
            } catch (RuntimeException e) {
                LOG.warn("spike listener {} failed: {}", l.getClass().getName(), e.toString());
            }
        }
        if (webhook != null) {
            try {
                byte[] body = JSON.writeValueAsBytes(Map.of("type", s.ended() ? "tenant.spike.ended" : "tenant.spike",
                        "tenant", s.tenant(), "layer", s.layer(), "rate", s.rate(), "baseline", s.baseline(), "share", s.share(),
                        "factor", s.factor(), "at", s.at().toString()));
                http.sendAsync(HttpRequest.newBuilder(webhook).timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding())
                        .whenComplete((r, e) -> {
                            if (e != null || r.statusCode() >= 300) {
                                LOG.warn("spike webhook for tenant {} failed: {}", s.tenant(), e != null ? e.toString() : "HTTP " + r.statusCode());
                            }
                        });
            } catch (Exception e) {
                LOG.warn("spike webhook for tenant {} not sent: {}", s.tenant(), e.toString());
            }
        }
    }

    private String label(String tenant) {
        try {
            return top.label(TenantId.of(tenant), 0);
        } catch (InvalidTenantIdException e) {
            return TopTenants.OTHER;
        }
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /** What this node counted itself, before any flush (for the benchmark and tests of one node). */
    LoadView localView() {
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
