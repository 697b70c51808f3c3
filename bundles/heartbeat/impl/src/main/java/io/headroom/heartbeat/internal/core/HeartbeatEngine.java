package io.headroom.heartbeat.internal.core;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.heartbeat.api.Alert;
import io.headroom.heartbeat.api.JobHealth;
import io.headroom.heartbeat.api.Slo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The heartbeat's pure core: per-minute counters per (tenant, job) and per job platform-wide, burn-rate evaluation
 * against the SLOs, and alert state (an alert per series and severity fires once and resolves once). Time comes
 * from a clock so that days of traffic replay in milliseconds in tests.
 */
public final class HeartbeatEngine {
    /** Where alert transitions go (persistence, sinks). {@code fired} returns the alert's id. */
    public interface AlertListener {
        long fired(Alert alert);

        void resolved(Alert alert);
    }

    /** A series: {@code tenant} is "" for the platform-wide series of a job. */
    public record Key(String tenant, String job) {
        public boolean platform() {
            return tenant.isEmpty();
        }
    }

    /**
     * Tuning: the burn rules and the low-traffic guards (see {@link Evaluation}), the series limits, and when a
     * platform-wide alert may fire (see {@link Evaluation#spread}): its burn must be spread over at least
     * {@code platformTenantQuorum} tenants, or include a tenant of {@code criticalTenants}.
     */
    public record Settings(List<BurnRule> rules, int minBadEvents, int minShortEvents, int maxSeries, int worstKept,
            int maxSeriesPerTenant, int platformTenantQuorum, Set<String> criticalTenants) {
        public static final int DEFAULT_MAX_SERIES_PER_TENANT = 1000;
        public static final int DEFAULT_PLATFORM_TENANT_QUORUM = 3;

        public Settings {
            rules = List.copyOf(rules);
            platformTenantQuorum = Math.max(1, platformTenantQuorum);
            criticalTenants = Set.copyOf(criticalTenants);
        }

        public Settings(List<BurnRule> rules, int minBadEvents, int minShortEvents, int maxSeries, int worstKept,
                int maxSeriesPerTenant) {
            this(rules, minBadEvents, minShortEvents, maxSeries, worstKept, maxSeriesPerTenant,
                    DEFAULT_PLATFORM_TENANT_QUORUM, Set.of());
        }

        public Settings(List<BurnRule> rules, int minBadEvents, int minShortEvents, int maxSeries, int worstKept) {
            this(rules, minBadEvents, minShortEvents, maxSeries, worstKept, DEFAULT_MAX_SERIES_PER_TENANT);
        }

        public static Settings standard() {
            return new Settings(BurnRule.STANDARD, 5, 5, 200_000, 100);
        }
    }

    private static final long MAX_AGE_MINUTES = Series.HOURS * 60L;

    private final LongSupplier clockMillis;
    private final Settings settings;
    private final AlertListener listener;
    private final Map<Key, Series> series = new ConcurrentHashMap<>();
    private final Map<String, Alert> open = new ConcurrentHashMap<>();
    private final AtomicLong droppedSeriesEvents = new AtomicLong();
    /** How many (tenant, job) series each tenant has: one tenant cannot fill the shared limit with made-up job names. */
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> tenantSeries = new ConcurrentHashMap<>();
    private volatile Map<String, Slo> slos = Map.of();
    private volatile List<JobHealth> worst = List.of();

    public HeartbeatEngine(LongSupplier clockMillis, Settings settings, AlertListener listener) {
        this.clockMillis = clockMillis;
        this.settings = settings;
        this.listener = listener;
    }

    public void setSlos(List<Slo> list) {
        Map<String, Slo> next = new ConcurrentHashMap<>();
        list.forEach(s -> next.put(s.job(), s));
        slos = Map.copyOf(next);
    }

    public Map<String, Slo> slos() {
        return slos;
    }

    long nowMinute() {
        return Math.floorDiv(clockMillis.getAsLong(), 60_000L);
    }

    /** Whether an event of this time can still be counted (not older than the longest window). */
    public boolean acceptsTime(Instant at) {
        return nowMinute() - Math.floorDiv(at.toEpochMilli(), 60_000L) < MAX_AGE_MINUTES;
    }

    /** Counts one event; returns false if it was too old to count. */
    public boolean record(OutcomeEvent e) {
        long now = nowMinute();
        long minute = Math.min(Math.floorDiv(e.at().toEpochMilli(), 60_000L), now); // clock skew: no future minutes
        if (now - minute >= MAX_AGE_MINUTES) {
            return false;
        }
        Slo slo = slos.get(e.job());
        int bad = (slo == null ? e.success() : slo.isGood(e.success(), e.latencyMillis())) ? 0 : 1;
        Key platformKey = new Key("", e.job());
        Key tenantKey = new Key(e.tenant().value(), e.job());
        boolean tenantFull = !series.containsKey(tenantKey) && tenantSeriesCount(tenantKey.tenant()) >= settings.maxSeriesPerTenant();
        if (tenantFull && slo == null && !series.containsKey(platformKey)) {
            droppedSeriesEvents.incrementAndGet(); // a new undeclared job of a tenant at its limit: not counted at all
            return false;
        }
        add(platformKey, now, minute, bad);
        if (!tenantFull && (series.containsKey(tenantKey) || series.size() < settings.maxSeries())) {
            add(tenantKey, now, minute, bad);
        } else {
            droppedSeriesEvents.incrementAndGet(); // counted platform-wide only: memory stays bounded
        }
        return true;
    }

    /**
     * Why counting this event would pass a series limit, or null when it would not: a tenant may have at most
     * {@code maxSeriesPerTenant} job series, and a job without an SLO gets a new platform-wide series only while the
     * shared limit has room.
     */
    public String seriesLimit(OutcomeEvent e) {
        String tenant = e.tenant().value();
        if (series.containsKey(new Key(tenant, e.job()))) {
            return null;
        }
        int n = tenantSeriesCount(tenant);
        if (n >= settings.maxSeriesPerTenant()) {
            return "tenant " + tenant + " already reports " + n + " jobs, the most one tenant may (maxSeriesPerTenant);"
                    + " report outcomes under the jobs it has, or ask an operator to declare '" + e.job() + "' with an SLO";
        }
        if (!slos.containsKey(e.job()) && !series.containsKey(new Key("", e.job())) && series.size() >= settings.maxSeries()) {
            return "the platform's series limit is reached; job '" + e.job() + "' has no SLO";
        }
        return null;
    }

    private int tenantSeriesCount(String tenant) {
        java.util.concurrent.atomic.AtomicInteger n = tenantSeries.get(tenant);
        return n == null ? 0 : n.get();
    }

    private Series create(Key key) {
        if (!key.platform()) {
            tenantSeries.computeIfAbsent(key.tenant(), t -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
        }
        return new Series();
    }

    private void add(Key key, long now, long minute, int bad) {
        Series s = series.computeIfAbsent(key, this::create);
        if (now - minute < Series.MINUTES) {
            s.add(minute, 1, bad);
        } else {
            s.addHourOnly(minute / 60, 1, bad);
        }
    }

    /** Events not counted per tenant because the series limit was reached. */
    public long droppedSeriesEvents() {
        return droppedSeriesEvents.get();
    }

    public int seriesCount() {
        return series.size();
    }

    /** Evaluates every series with an SLO, fires and resolves alerts, and refreshes the worst-tenant list. */
    public void evaluate() {
        evaluate(true);
    }

    /**
     * As {@link #evaluate()}; with {@code alerting} false only the worst-tenant list is refreshed and no alert fires or
     * resolves (a node that shows the fleet's health while another node evaluates its alerts).
     */
    public void evaluate(boolean alerting) {
        long now = nowMinute();
        Map<String, Slo> current = slos;
        PriorityQueue<JobHealth> top = new PriorityQueue<>(Comparator.comparingDouble(JobHealth::burn1h));
        Supplier<Map<String, List<Map.Entry<String, Series>>>> byJob = tenantSeriesByJob();
        for (Map.Entry<Key, Series> entry : series.entrySet()) {
            Key key = entry.getKey();
            Slo slo = current.get(key.job());
            if (slo == null) {
                continue;
            }
            List<Evaluation.Firing> firing = firing(key, entry.getValue(), slo, now, byJob);
            if (alerting) {
                track(key, firing, now);
            }
            if (!key.platform()) {
                JobHealth h = Evaluation.health(key.tenant(), key.job(), entry.getValue(), slo, now, firing);
                if (!Double.isNaN(h.burn1h()) && h.bad1h() > 0) {
                    top.add(h);
                    if (top.size() > settings.worstKept()) {
                        top.poll();
                    }
                }
            }
        }
        // alerts of series whose SLO was deleted resolve
        for (Alert a : alerting ? List.copyOf(open.values()) : List.<Alert>of()) {
            if (!current.containsKey(a.job())) {
                resolve(a, now);
            }
        }
        List<JobHealth> sorted = new ArrayList<>(top);
        sorted.sort(Comparator.comparingDouble(JobHealth::burn1h).reversed());
        worst = List.copyOf(sorted);
    }

    /**
     * The rules that hold for a series; for a platform-wide series only those whose burn is spread over enough tenants
     * (or a critical one): one tenant's failures page that tenant, never the platform on their own.
     */
    private List<Evaluation.Firing> firing(Key key, Series s, Slo slo, long now,
            Supplier<Map<String, List<Map.Entry<String, Series>>>> byJob) {
        List<Evaluation.Firing> firing = Evaluation.firing(s, slo, now, settings.rules(), settings.minBadEvents(),
                settings.minShortEvents());
        if (!key.platform() || firing.isEmpty()) {
            return firing;
        }
        List<Map.Entry<String, Series>> tenants = byJob.get().getOrDefault(key.job(), List.of());
        return firing.stream().filter(f -> Evaluation.spread(f.rule(), tenants, slo, now,
                settings.platformTenantQuorum(), settings.criticalTenants())).toList();
    }

    /** The tenant series of each job, built once per evaluation and only when a platform-wide rule holds. */
    private Supplier<Map<String, List<Map.Entry<String, Series>>>> tenantSeriesByJob() {
        return new Supplier<>() {
            private Map<String, List<Map.Entry<String, Series>>> built;

            @Override
            public Map<String, List<Map.Entry<String, Series>>> get() {
                if (built == null) {
                    Map<String, List<Map.Entry<String, Series>>> m = new java.util.HashMap<>();
                    series.forEach((k, s) -> {
                        if (!k.platform()) {
                            m.computeIfAbsent(k.job(), j -> new ArrayList<>()).add(Map.entry(k.tenant(), s));
                        }
                    });
                    built = m;
                }
                return built;
            }
        };
    }

    private void track(Key key, List<Evaluation.Firing> firing, long now) {
        for (String severity : List.of(Alert.PAGE, Alert.TICKET)) {
            String id = key.tenant() + "|" + key.job() + "|" + severity;
            Evaluation.Firing f = firing.stream().filter(x -> x.rule().severity().equals(severity)).findFirst().orElse(null);
            Alert existing = open.get(id);
            if (f != null && existing == null) {
                Alert a = new Alert(0, key.platform() ? null : key.tenant(), key.job(), severity, f.rule().name(),
                        f.longBurn(), f.shortBurn(), Instant.ofEpochSecond(now * 60).toString(), null);
                long alertId = listener.fired(a);
                open.put(id, new Alert(alertId, a.tenant(), a.job(), a.severity(), a.rule(), a.longBurn(), a.shortBurn(), a.firedAt(), null));
            } else if (f == null && existing != null) {
                resolve(existing, now);
            }
        }
    }

    private void resolve(Alert a, long now) {
        open.remove((a.tenant() == null ? "" : a.tenant()) + "|" + a.job() + "|" + a.severity());
        listener.resolved(new Alert(a.id(), a.tenant(), a.job(), a.severity(), a.rule(), a.longBurn(), a.shortBurn(),
                a.firedAt(), Instant.ofEpochSecond(now * 60).toString()));
    }

    public List<Alert> firing() {
        return List.copyOf(open.values());
    }

    /**
     * Replaces the open alerts with those recorded as firing: for a node that takes over evaluation (so they resolve
     * rather than fire again) or that shows the alerts another node fires.
     */
    public void replaceFiring(List<Alert> firing) {
        Map<String, Alert> next = new java.util.HashMap<>();
        firing.forEach(a -> next.put((a.tenant() == null ? "" : a.tenant()) + "|" + a.job() + "|" + a.severity(), a));
        open.keySet().retainAll(next.keySet());
        open.putAll(next);
    }

    public List<JobHealth> platform() {
        return health(k -> k.platform());
    }

    public List<JobHealth> tenant(TenantId tenant) {
        return health(k -> k.tenant().equals(tenant.value()));
    }

    /** The tenants with a series, sorted. */
    public List<TenantId> tenants() {
        return series.keySet().stream().filter(k -> !k.platform()).map(Key::tenant).distinct().sorted().map(TenantId::of).toList();
    }

    private List<JobHealth> health(Predicate<Key> which) {
        long now = nowMinute();
        List<JobHealth> out = new ArrayList<>();
        Supplier<Map<String, List<Map.Entry<String, Series>>>> byJob = tenantSeriesByJob();
        series.forEach((k, s) -> {
            if (which.test(k)) {
                Slo slo = slos.get(k.job());
                List<Evaluation.Firing> firing = slo == null ? List.of() : firing(k, s, slo, now, byJob);
                out.add(Evaluation.health(k.platform() ? null : k.tenant(), k.job(), s, slo, now, firing));
            }
        });
        out.sort(Comparator.comparing(JobHealth::job));
        return out;
    }

    public List<JobHealth> worst(int limit) {
        List<JobHealth> w = worst;
        return w.subList(0, Math.min(limit, w.size()));
    }

    /** Visits every series, for persistence. */
    public void forEachSeries(BiConsumer<Key, Series> visitor) {
        series.forEach(visitor);
    }

    /** The series of a key if there is one. */
    public Series existingSeries(Key key) {
        return series.get(key);
    }

    /**
     * The series of a key, created if missing, for restoring persisted counts; null for a new tenant series once the
     * series limit is reached (platform-wide series are always kept).
     */
    public Series seriesFor(Key key) {
        Series s = series.get(key);
        if (s == null && !key.platform() && series.size() >= settings.maxSeries()) {
            return null;
        }
        return s != null ? s : series.computeIfAbsent(key, this::create);
    }
}
