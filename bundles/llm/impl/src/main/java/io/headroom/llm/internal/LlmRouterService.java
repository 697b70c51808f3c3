package io.headroom.llm.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.fleet.Fleet;
import io.headroom.core.api.load.TenantLimit;
import io.headroom.core.api.load.TenantLimits;
import io.headroom.core.api.metrics.Metrics;
import io.headroom.core.api.signal.Signals;
import io.headroom.core.api.store.ControlStore;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.DeploymentStatus;
import io.headroom.llm.api.EmbeddingRequest;
import io.headroom.llm.api.EmbeddingResponse;
import io.headroom.llm.api.LlmAdmin;
import io.headroom.llm.api.LlmRouter;
import io.headroom.llm.api.Priority;
import io.headroom.llm.api.ProviderAdapter;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.ResponsesAnswer;
import io.headroom.llm.api.ResponsesRequest;
import io.headroom.llm.api.Route;
import io.headroom.llm.api.RouteStatus;
import io.headroom.llm.api.StreamListener;
import io.headroom.llm.api.TenantQuota;
import io.headroom.llm.api.Usage;
import io.headroom.llm.internal.core.Definitions;
import io.headroom.llm.internal.core.LeasedLimits;
import io.headroom.llm.internal.core.Router;
import io.headroom.llm.internal.core.StreamedUsage;
import io.headroom.llm.internal.core.TenantQuotas;
import io.headroom.llm.internal.core.UsageMeter;
import io.headroom.llm.internal.store.LlmStore;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
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
 * The router as a service, for the whole fleet: deployments, routes, tenant quotas, drains and cooldowns live in the
 * control schema ({@link LlmStore}); every node polls one version number every {@code pollMillis} and reloads when it
 * changed, so a change made on any node is served everywhere within about that long. Limits are leased in slices from
 * the control schema ({@link LeasedLimits}); usage is counted locally and added to the shared per-day totals every
 * {@code usageFlushMillis}, and budgets are checked against those totals. Provider adapters come and go as OSGi
 * services; every call with a tenant reports an outcome ({@code llm.answer}) to the heartbeat. It is also the
 * operator's {@link LlmAdmin}: every admin method is one store write, applied locally at once.
 *
 * <p>When the control schema is unreachable, the node keeps serving the routes, deployments and quotas it last read,
 * admits up to {@code limit / live nodes} of each limit window's budget on its own, keeps usage in memory until it can be
 * written, and refuses changes (503).
 */
@Component(service = {LlmRouter.class, LlmAdmin.class}, configurationPid = LlmRouterService.PID)
@Designate(ocd = LlmRouterService.Config.class)
public final class LlmRouterService implements LlmRouter, LlmAdmin {
    public static final String PID = "io.headroom.llm";
    private static final Logger LOG = LoggerFactory.getLogger(LlmRouterService.class);

    @ObjectClassDefinition(name = "Headroom LLM router")
    public @interface Config {
        @AttributeDefinition(description = "Share of every deployment's per-minute limits that background calls may not use")
        double interactiveReserve() default 0.2;

        @AttributeDefinition(description = "Cooldown after failures without Retry-After, ms")
        long defaultCooldownMillis() default 5000;

        @AttributeDefinition(description = "Retryable failures in a row (within failWindowMillis) that put a deployment into cooldown, unless the deployment sets its own")
        int allowedFails() default 3;

        @AttributeDefinition(description = "Window in which failures count as in a row, ms")
        long failWindowMillis() default 60_000;

        @AttributeDefinition(description = "Requests per minute one tenant may make across all routes and nodes (0: no quota); overrides per tenant")
        int tenantRequestsPerMinute() default 0;

        @AttributeDefinition(description = "Tokens (prompt + completion) per minute one tenant may use across all routes and nodes (0: no quota)")
        int tenantTokensPerMinute() default 0;

        @AttributeDefinition(description = "How often the node checks the control schema for changed routes, deployments, quotas, drains and cooldowns, ms")
        long pollMillis() default 200;

        @AttributeDefinition(description = "How often usage is added to the shared totals (and budgets re-read), ms")
        long usageFlushMillis() default 1000;

        @AttributeDefinition(description = "Share of a limit window's budget a node leases at a time")
        double sliceFraction() default 0.05;

        @AttributeDefinition(description = "Window the per-minute limits and quotas are counted in, s: a divisor of 60 (1-6, 10, 12, 15,"
                + " 20, 30, 60; others are lowered to one). Each window admits its share of a limit (60 a minute: 10 in each 10 s window),"
                + " so a clock minute never admits more than the limit; one call can use at most a window's share of a tokens limit."
                + " The same on every node")
        int limitWindowSeconds() default 60;

        @AttributeDefinition(description = "Record each request's duration per route and outcome, time to first token and tokens per"
                + " route and priority, failed attempts and cooldowns (headroom_llm_request_duration_seconds,"
                + " headroom_llm_time_to_first_token_seconds, headroom_llm_tokens_total, headroom_llm_attempt_failures_total,"
                + " headroom_llm_deployment_cooldowns_total)")
        boolean requestMetrics() default true;
    }

    private final Router router;
    private final TenantQuotas quotas;
    private final Signals signals;
    private final LlmStore store;
    private final Fleet fleet;
    private final Config config;
    private final LeasedLimits limits;
    private final UsageMeter meter = new UsageMeter();
    private final CallAccounting accounting;
    private final LongSupplier clock = System::currentTimeMillis;
    private final Map<String, ProviderAdapter> adapters = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler;
    private volatile GatewayRequestMeters requestMeters;
    private volatile Map<TenantId, TenantQuota> overrides = Map.of();
    private volatile Map<TenantId, long[]> spent = Map.of();
    private volatile long version = -1;
    private volatile int liveNodes = 1;
    private volatile TenantLimits tenantLimits;
    private long lastLeaseCleanup;

    @Activate
    public LlmRouterService(@Reference Signals signals, @Reference ControlStore controlStore, @Reference Fleet fleet, Config config) {
        this.signals = signals;
        this.fleet = fleet;
        this.config = config;
        this.store = new LlmStore(controlStore);
        long window = LeasedLimits.Settings.windowSeconds(config.limitWindowSeconds());
        if (window != config.limitWindowSeconds()) {
            LOG.warn("limitWindowSeconds = {} does not divide a minute into whole windows: limits are counted in windows of {} s",
                    config.limitWindowSeconds(), window);
        }
        this.limits = new LeasedLimits(store, clock, () -> liveNodes,
                new LeasedLimits.Settings(config.sliceFraction(), 1_000, 200, 1_000, window * 1_000));
        this.scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "headroom-llm-state");
            t.setDaemon(true);
            return t;
        });
        this.router = new Router(new Router.Settings(config.interactiveReserve(), config.defaultCooldownMillis(), config.allowedFails(),
                config.failWindowMillis()), clock, adapters::get, limits,
                new Router.Listener() {
                    @Override
                    public void cooledDown(String deployment, long until, String reason) {
                        LOG.warn("LLM deployment {} cools down for {} ms: {}", deployment, until - clock.getAsLong(), reason);
                        GatewayRequestMeters m = requestMeters;
                        if (m != null) {
                            m.cooledDown(deployment);
                        }
                        scheduler.execute(() -> {
                            try {
                                store.coolDown(deployment, until, reason);
                            } catch (SQLException | RuntimeException e) {
                                LOG.warn("could not share the cooldown of {} with the fleet: {}", deployment, e.getMessage());
                            }
                        });
                    }

                    @Override
                    public void attemptFailed(String route, String deployment, ProviderException error) {
                        // the provider's own message and status only: keys and request bodies are never logged
                        LOG.info("LLM route {}: deployment {} failed ({}: {}); {}", route, deployment,
                                error.status() == 0 ? "no answer" : "HTTP " + error.status(), error.getMessage(),
                                error.retryable() ? "failing over to the next deployment" : "not retryable, the caller gets it");
                        GatewayRequestMeters m = requestMeters;
                        if (m != null) {
                            m.attemptFailed(route, deployment, error.status());
                        }
                    }
                });
        this.quotas = new TenantQuotas(limits, this::effectiveQuota, this::spentMicros, clock);
        this.accounting = new CallAccounting(router, quotas, meter, signals, clock, this::today, () -> requestMeters);
        try {
            liveNodes = Math.max(1, fleet.liveNodes().size()); // the share each node serves while the control schema is away
            reload();
        } catch (SQLException | RuntimeException e) {
            LOG.warn("LLM routes and deployments not read from the control schema yet: {}", e.getMessage());
        }
        scheduler.scheduleWithFixedDelay(this::poll, config.pollMillis(), config.pollMillis(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::flush, config.usageFlushMillis(), config.usageFlushMillis(), TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        scheduler.shutdown();
        scheduler.awaitTermination(5, TimeUnit.SECONDS);
        limits.returnIdle(true);
        flush();
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindMetrics(Metrics metrics) {
        requestMeters = config.requestMetrics() ? new GatewayRequestMeters(metrics) : null;
    }

    void unbindMetrics(Metrics metrics) {
        requestMeters = null;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindAdapter(ProviderAdapter adapter, Map<String, Object> props) {
        if (props.get(ProviderAdapter.PROVIDER) instanceof String name) {
            adapters.put(name, adapter);
        }
    }

    void unbindAdapter(ProviderAdapter adapter, Map<String, Object> props) {
        if (props.get(ProviderAdapter.PROVIDER) instanceof String name) {
            adapters.remove(name, adapter);
        }
    }

    /** The routing core, for tests. */
    Router router() {
        return router;
    }

    /**
     * Serves the control schema's state. The poller and a write on this node may reload at once: the later version
     * wins (an older snapshot read first and applied last would drop the change just made until the next poll).
     */
    private synchronized void reload() throws SQLException {
        LlmStore.Snapshot s = store.snapshot();
        if (s.version() < version) {
            return;
        }
        Router.Removed removed = router.replaceAll(s.deployments().stream().map(LlmStore.DeploymentRow::deployment).toList(), s.routes());
        GatewayRequestMeters m = requestMeters;
        if (m != null && !removed.isEmpty()) {
            m.removed(removed.routes(), removed.deployments());
        }
        for (LlmStore.DeploymentRow d : s.deployments()) {
            router.applyState(d.deployment().name(), d.disabled(), d.cooldownUntil(), d.cooldownReason());
        }
        overrides = Map.copyOf(s.quotas());
        version = s.version();
    }

    private void poll() {
        try {
            if (store.version() != version) {
                reload();
            }
            limits.returnIdle(false);
            long now = clock.getAsLong();
            if (now - lastLeaseCleanup > 60_000) {
                lastLeaseCleanup = now;
                liveNodes = Math.max(1, fleet.liveNodes().size());
                store.dropLeasesBefore(limits.currentWindow() - 5);
            }
        } catch (SQLException | RuntimeException e) {
            LOG.debug("LLM state poll failed: {}", e.getMessage());
        }
    }

    /** Adds this node's usage to the shared totals, then re-reads what tenants with budgets have spent. */
    synchronized void flush() {
        List<UsageMeter.Delta> deltas = meter.drain();
        try {
            store.addUsage(deltas);
        } catch (SQLException | RuntimeException e) {
            meter.restore(deltas);
            LOG.debug("LLM usage not written yet: {}", e.getMessage());
            return;
        }
        try {
            LocalDate today = today();
            spent = store.spend(today, today.withDayOfMonth(1));
        } catch (SQLException | RuntimeException e) {
            LOG.debug("LLM spend not read: {}", e.getMessage());
        }
    }

    /** The UTC day, computed once a day rather than per call. */
    private record Day(long epochDay, LocalDate date) {
    }

    private volatile Day day = new Day(-1, null);

    private LocalDate today() {
        long epochDay = Math.floorDiv(clock.getAsLong(), 86_400_000L);
        Day d = day;
        if (d.epochDay() != epochDay) {
            d = new Day(epochDay, LocalDate.ofEpochDay(epochDay));
            day = d;
        }
        return d.date();
    }

    private long spentMicros(TenantId tenant, boolean month) {
        long[] s = spent.get(tenant);
        return (s == null ? 0 : s[month ? 1 : 0]) + meter.pendingCost(tenant);
    }

    @Override
    public TenantQuota effectiveQuota(TenantId tenant) {
        TenantQuota q = configuredQuota(tenant);
        TenantLimits l = tenantLimits;
        Integer limit = l == null ? null : l.limit(tenant).map(TenantLimit::llmRpm).orElse(null);
        if (limit == null) {
            return q;
        }
        // an operator's cross-layer limit lowers the quota (0 here means no quota, so a limit of 0 admits 1 a minute)
        int rpm = q.requestsPerMinute() == null || q.requestsPerMinute() == 0 ? Math.max(1, limit)
                : Math.min(q.requestsPerMinute(), Math.max(1, limit));
        return new TenantQuota(tenant, rpm, q.tokensPerMinute(), q.dailyBudget(), q.monthlyBudget());
    }

    /** The core's per-tenant limits across layers, while the core offers them. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindTenantLimits(TenantLimits limits) {
        tenantLimits = limits;
    }

    void unbindTenantLimits(TenantLimits limits) {
        if (tenantLimits == limits) {
            tenantLimits = null;
        }
    }

    private TenantQuota configuredQuota(TenantId tenant) {
        TenantQuota o = overrides.get(tenant);
        int rpm = config.tenantRequestsPerMinute();
        int tpm = config.tenantTokensPerMinute();
        if (o == null) {
            return new TenantQuota(tenant, rpm, tpm, null, null);
        }
        return new TenantQuota(tenant, o.requestsPerMinute() == null ? rpm : o.requestsPerMinute(),
                o.tokensPerMinute() == null ? tpm : o.tokensPerMinute(), o.dailyBudget(), o.monthlyBudget());
    }

    @Override
    public ChatResponse complete(TenantId tenant, Priority priority, String route, ChatRequest request, Duration timeout) {
        accounting.offered(tenant, route);
        return accounting.reported(tenant, route, request.estimatedTokens(), (start, reserved) -> {
            ChatResponse r = router.complete(route, priority, request, start + timeout.toMillis());
            accounting.answered(tenant, route, priority, reserved, start, r);
            return r;
        });
    }

    @Override
    public void stream(TenantId tenant, Priority priority, String route, ChatRequest request, Duration timeout, StreamListener listener) {
        accounting.offered(tenant, route);
        StreamedUsage usage = new StreamedUsage(StreamedUsage.promptTokens(request));
        accounting.streamReported(tenant, route, request.estimatedTokens(), usage, (start, reserved) -> {
            router.stream(route, priority, request, start + timeout.toMillis(),
                    accounting.streamed(tenant, route, priority, reserved, start, usage, listener));
            return null;
        });
    }

    @Override
    public ResponsesAnswer respond(TenantId tenant, Priority priority, String route, ResponsesRequest request, Duration timeout) {
        accounting.offered(tenant, route);
        return accounting.reported(tenant, route, request.estimatedTokens(), (start, reserved) -> {
            ResponsesAnswer r = router.respond(route, priority, request, start + timeout.toMillis());
            accounting.answered(tenant, route, priority, reserved, start, r.response());
            return r;
        });
    }

    @Override
    public void streamResponses(TenantId tenant, Priority priority, String route, ResponsesRequest request, Duration timeout,
                                StreamListener listener) {
        accounting.offered(tenant, route);
        StreamedUsage usage = new StreamedUsage(StreamedUsage.promptTokens(request));
        accounting.streamReported(tenant, route, request.estimatedTokens(), usage, (start, reserved) -> {
            router.streamResponses(route, priority, request, start + timeout.toMillis(),
                    accounting.streamed(tenant, route, priority, reserved, start, usage, listener));
            return null;
        });
    }

    @Override
    public EmbeddingResponse embed(TenantId tenant, Priority priority, String route, EmbeddingRequest request, Duration timeout) {
        accounting.offered(tenant, route);
        return accounting.reported(tenant, route, request.estimatedTokens(), (start, reserved) -> {
            EmbeddingResponse r = router.embed(route, priority, request, start + timeout.toMillis());
            accounting.answered(tenant, route, priority, reserved, start,
                    new ChatResponse("", ChatResponse.STOP, r.deployment(), r.model(), r.promptTokens(), 0));
            return r;
        });
    }

    @Override
    public List<Route> routes() {
        return router.routes();
    }

    @Override
    public List<Route> routes(TenantId tenant) {
        return tenant == null ? router.routes() : router.routes().stream().filter(r -> r.allows(tenant.value())).toList();
    }

    @Override
    public List<RouteStatus> routeStatuses() {
        return router.headroom();
    }

    @Override
    public RouteStatus routeStatus(String route) {
        return router.headroom(route);
    }

    @Override
    public List<DeploymentStatus> deployments() {
        return router.deployments();
    }

    @Override
    public List<Deployment> deploymentDefinitions() {
        return router.deployments().stream().map(s -> router.deployment(s.name())).flatMap(Optional::stream).toList();
    }

    /** A store call that changes platform state; the change is read back at once, so this node serves it already. */
    @FunctionalInterface
    private interface Write<T> {
        T run() throws SQLException;
    }

    private <T> T write(Write<T> w) {
        try {
            T result = w.run();
            reload();
            return result;
        } catch (SQLException e) {
            throw new IllegalStateException("the control schema did not take the change: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean clearCooldown(String deployment) {
        return write(() -> store.clearCooldown(deployment));
    }

    @Override
    public boolean setDisabled(String deployment, boolean disabled) {
        return write(() -> store.setDisabled(deployment, disabled));
    }

    private void validate(Deployment d) {
        Definitions.validate(d, adapters.get(d.provider()));
    }

    @Override
    public void putDeployment(Deployment deployment) {
        validate(deployment);
        write(() -> {
            store.putDeployment(deployment, false);
            return null;
        });
    }

    /** A deployment from etc configuration: seeds the control schema, never overwriting a change made through the API. */
    void seedDeployment(Deployment deployment) {
        validate(deployment);
        write(() -> {
            store.putDeployment(deployment, true);
            return null;
        });
    }

    @Override
    public void removeDeployment(String name) {
        write(() -> store.removeDeployment(name));
    }

    @Override
    public void putRoute(Route route) {
        Definitions.validate(route);
        write(() -> {
            store.putRoute(route, false);
            return null;
        });
    }

    void seedRoute(Route route) {
        Definitions.validate(route);
        write(() -> {
            store.putRoute(route, true);
            return null;
        });
    }

    @Override
    public void removeRoute(String name) {
        write(() -> store.removeRoute(name));
    }

    @Override
    public void putQuota(TenantQuota quota) {
        write(() -> {
            store.putQuota(quota);
            return null;
        });
    }

    @Override
    public boolean removeQuota(TenantId tenant) {
        return write(() -> store.removeQuota(tenant));
    }

    @Override
    public List<TenantQuota> quotas() {
        return List.copyOf(overrides.values()).stream().sorted((a, b) -> a.tenant().value().compareTo(b.tenant().value())).toList();
    }

    @Override
    public List<Usage> usage(Optional<TenantId> tenant, LocalDate from, LocalDate to) {
        flush(); // what this node counted so far is included
        try {
            return store.usage(tenant, from, to);
        } catch (SQLException e) {
            throw new IllegalStateException("usage could not be read: " + e.getMessage(), e);
        }
    }
}
