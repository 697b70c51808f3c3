package io.headroom.heartbeat.internal;

import io.headroom.core.api.InvalidJobNameException;
import io.headroom.core.api.JobName;
import io.headroom.core.api.TenantId;
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
import io.headroom.heartbeat.internal.store.HeartbeatStore;
import java.net.InetAddress;
import java.sql.SQLException;
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
 */
@Component(service = {Heartbeat.class, SignalListener.class, HeartbeatService.class}, configurationPid = HeartbeatService.PID)
@Designate(ocd = HeartbeatService.Config.class)
public final class HeartbeatService implements Heartbeat, SignalListener {
    public static final String PID = "io.headroom.heartbeat";
    private static final Logger LOG = LoggerFactory.getLogger(HeartbeatService.class);

    @ObjectClassDefinition(name = "Headroom heartbeat")
    public @interface Config {
        @AttributeDefinition(description = "Seconds between evaluation cycles")
        long evaluateSeconds() default 60;

        @AttributeDefinition(description = "Seconds between writes of the counters to the control schema")
        long flushSeconds() default 30;

        @AttributeDefinition(description = "This node's name in the counter tables; default karaf.name@hostname")
        String nodeId() default "";

        @AttributeDefinition(description = "POST alerts as JSON to this URL (empty: no webhook)")
        String webhookUrl() default "";

        int webhookAttempts() default 5;

        @AttributeDefinition(description = "A rule needs at least this many bad events in its long window")
        int minBadEvents() default 5;

        @AttributeDefinition(description = "Short windows stretch back until they hold this many events")
        int minShortEvents() default 5;

        @AttributeDefinition(description = "Most (tenant, job) series kept; beyond it new tenants count platform-wide only")
        int maxSeries() default 200_000;

        @AttributeDefinition(description = "SLOs defined in configuration: job:target[:latencyMillis], e.g. conversation.create:0.995:2000")
        String[] slos() default {};
    }

    private final HeartbeatStore store;
    private final HeartbeatEngine engine;
    private final AlertDispatch dispatch;
    private final ScheduledExecutorService scheduler;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    private final List<AlertSink> sinks = new CopyOnWriteArrayList<>();

    @Activate
    public HeartbeatService(@Reference ControlStore controlStore, Config config) throws SQLException {
        this.store = new HeartbeatStore(controlStore, config.nodeId().isBlank() ? defaultNodeId() : config.nodeId());
        for (String specs : config.slos()) {
            for (String spec : specs.split(",")) {
                if (!spec.isBlank()) {
                    store.putSlo(parseSlo(spec));
                }
            }
        }
        this.dispatch = new AlertDispatch(config.webhookUrl(), config.webhookAttempts(), sinks);
        this.engine = new HeartbeatEngine(System::currentTimeMillis,
                new HeartbeatEngine.Settings(BurnRule.STANDARD, config.minBadEvents(), config.minShortEvents(), config.maxSeries(), 100),
                new HeartbeatEngine.AlertListener() {
                    @Override
                    public long fired(Alert alert) {
                        try {
                            long id = store.insertAlert(alert);
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
        engine.setSlos(store.slos());
        int restored = store.restore(engine, System.currentTimeMillis() / 60_000);
        LOG.info("heartbeat restored {} counter slots", restored);
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "headroom-heartbeat"));
        scheduler.scheduleWithFixedDelay(this::evaluateQuietly, config.evaluateSeconds(), config.evaluateSeconds(), TimeUnit.SECONDS);
        scheduler.scheduleWithFixedDelay(this::flushQuietly, config.flushSeconds(), config.flushSeconds(), TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        scheduler.shutdown();
        scheduler.awaitTermination(10, TimeUnit.SECONDS);
        flushQuietly(); // what was counted since the last flush is not lost on a clean stop
        dispatch.close();
    }

    static Slo parseSlo(String spec) {
        String[] parts = spec.trim().split(":");
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("SLO '" + spec + "' is not job:target[:latencyMillis]");
        }
        return new Slo(parts[0], Double.parseDouble(parts[1]), parts.length == 3 ? Long.valueOf(parts[2]) : null, "from configuration");
    }

    private static String defaultNodeId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "localhost";
        }
        return System.getProperty("karaf.name", "karaf") + "@" + host;
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
            store.flush(engine, System.currentTimeMillis() / 60_000);
        } catch (SQLException | RuntimeException e) {
            LOG.warn("heartbeat counters not written this time (kept for the next flush): {}", e.getMessage());
        }
    }

    @Override
    public void onOutcome(OutcomeEvent event) {
        record(event);
    }

    @Override
    public void record(OutcomeEvent event) {
        engine.record(event);
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
            if (!engine.acceptsTime(e.at())) {
                throw new IllegalArgumentException("event " + i + ": older than the longest window (3 days)");
            }
        }
        events.forEach(engine::record);
    }

    @Override
    public List<Slo> slos() {
        return List.copyOf(engine.slos().values()).stream().sorted((a, b) -> a.job().compareTo(b.job())).toList();
    }

    @Override
    public Optional<Slo> slo(String job) {
        return Optional.ofNullable(engine.slos().get(job));
    }

    @Override
    public Slo putSlo(Slo slo) {
        try {
            store.putSlo(slo);
            engine.setSlos(store.slos());
            return slo;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store the SLO: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean deleteSlo(String job) {
        try {
            boolean deleted = store.deleteSlo(job);
            engine.setSlos(store.slos());
            return deleted;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot delete the SLO: " + e.getMessage(), e);
        }
    }

    @Override
    public List<JobHealth> platform() {
        return engine.platform();
    }

    @Override
    public List<JobHealth> tenant(TenantId tenant) {
        return engine.tenant(tenant);
    }

    @Override
    public List<TenantId> tenants() {
        return engine.tenants();
    }

    @Override
    public List<JobHealth> worstTenants(int limit) {
        return engine.worst(limit);
    }

    @Override
    public List<Alert> alerts(int limit) {
        try {
            return store.alerts(limit);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read alerts: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void evaluate() {
        try {
            engine.setSlos(store.slos()); // SLOs changed on other nodes
        } catch (SQLException e) {
            LOG.warn("SLOs not refreshed: {}", e.getMessage());
        }
        engine.evaluate();
    }

    public HeartbeatStore store() {
        return store;
    }
}
