package io.headroom.core.internal.load;

import io.headroom.core.api.load.TenantLoad;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * One node's load per layer and tenant in fixed memory. A sample of a capability's measure for a resource counts on two
 * layers: the measure's ({@code llm.tokens}) and the resource's part of it ({@code llm.tokens/gpt-4o}); a measure tracks
 * at most {@code resourcesPerMeasure} resources by name (the first seen), the rest together as
 * {@link TenantLoad#OTHER_RESOURCE}, and the ledger at most {@code maxMeasures} measures. Each layer keeps a space-saving sketch (Metwally et al.) of at
 * most {@code tenantsPerLayer} tenants, each with two exponentially decaying sums of what it reported: a fast one (the
 * current rate) and a slow one (its baseline); plus the layer's exact totals, so the tenants not tracked by name are
 * the total minus the tracked. A new tenant that finds no free slot takes over the one with the smallest current rate
 * and inherits its sums (the sketch's overestimate, bounded by that smallest rate). A layer's capacity is split over
 * lock stripes by the tenant's hash, so threads reporting different tenants rarely wait for one another. Samples of
 * further measures are counted as dropped.
 *
 * <p>Decay is forward: a sum is kept as {@code weight × 2^((t - epoch) / halfLife)}, so adding is one multiply and the
 * smallest slot is found by plain comparison; the epoch moves forward before the exponent grows large. Pure: no I/O,
 * time from a clock. Public for the benchmark only; the package is not exported.
 */
public final class LoadLedger {
    /** Bytes a tracked tenant costs at most: slot object, map node, key string (63 chars), table share. */
    static final long BYTES_PER_TENANT = 48 + 48 + 64 + 16 + 16;
    /** Bytes a resource's name and entry cost at most (a 63-character name, its map node). */
    static final long BYTES_PER_RESOURCE = 64 + 48 + 32;
    private static final double LN2 = Math.log(2);
    /** Exponents beyond this (2^400) move the epoch forward: far from double overflow (2^1023). */
    private static final double MAX_EXPONENT = 400;
    /** Lock stripes per layer (when it tracks at least 64 tenants). */
    private static final int STRIPES = 8;
    /** Resources outside the named ones a measure counts (space-saving), per resource it names. */
    static final int CANDIDATES_PER_RESOURCE = 4;
    /** A resource takes a named one's place when its load is over this many times the named one's ... */
    static final double PROMOTE_OVER = 1.25;
    /** ... checked at most this often per measure, and only as samples of resources not named arrive. */
    static final long RANK_MILLIS = 1_000;

    public record Settings(int tenantsPerLayer, int maxMeasures, int resourcesPerMeasure, long rateHalfLifeMillis,
                           long baselineHalfLifeMillis) {
        public Settings {
            if (tenantsPerLayer < 1 || maxMeasures < 1 || resourcesPerMeasure < 0 || rateHalfLifeMillis < 1
                    || baselineHalfLifeMillis < rateHalfLifeMillis) {
                throw new IllegalArgumentException("bad ledger settings: " + tenantsPerLayer + " tenants per layer, " + maxMeasures
                        + " measures of " + resourcesPerMeasure + " resources, half-lives " + rateHalfLifeMillis + " / "
                        + baselineHalfLifeMillis + " ms");
            }
        }

        /** Layers at most: each measure's own, its resources' and the rest of its resources'. */
        public int maxLayers() {
            return maxMeasures * (resourcesPerMeasure + 2);
        }
    }

    /** A tenant's (or a layer total's) figures: rate and baseline in the layer's unit per second. */
    record Figure(String tenant, double rate, double baseline) {
    }

    /** A layer at one moment: its totals and its tracked tenants. */
    record LayerFigures(String layer, double rate, double baseline, List<Figure> tenants) {
    }

    private final Settings settings;
    private final LongSupplier clock;
    /** capability -> measure -> its layers: no key is built per sample. */
    private final Map<String, Map<String, Measure>> measures = new ConcurrentHashMap<>();
    private final List<Layer> layers = new CopyOnWriteArrayList<>();
    private int measureCount; // guarded by measures
    private final LongAdder dropped = new LongAdder();

    public LoadLedger(Settings settings, LongSupplier clock) {
        this.settings = settings;
        this.clock = clock;
    }

    /** Counts a sample of a capability's measure for a resource on the measure's layer and on the resource's part of it. */
    public void add(String capability, String measure, String resource, String tenant, double amount) {
        if (!(amount > 0)) {
            return;
        }
        Map<String, Measure> byMeasure = measures.get(capability);
        Measure m = byMeasure == null ? null : byMeasure.get(measure);
        if (m == null) {
            m = measure(capability, measure);
            if (m == null) {
                dropped.increment();
                return;
            }
        }
        long now = clock.getAsLong();
        m.total.add(tenant, amount, now);
        m.resource(resource, amount, now).add(tenant, amount, now);
    }

    private Measure measure(String capability, String measure) {
        synchronized (measures) {
            Map<String, Measure> byMeasure = measures.computeIfAbsent(capability, c -> new ConcurrentHashMap<>());
            Measure m = byMeasure.get(measure);
            if (m == null && measureCount < settings.maxMeasures()) {
                m = new Measure(TenantLoad.layer(capability, measure));
                byMeasure.put(measure, m);
                measureCount++;
            }
            return m;
        }
    }

    /**
     * The tenants with the largest load over every measure now (by the sum of their shares of each measure's layer,
     * those of the capabilities {@code counted} accepts), busiest first: the one ranking the metrics label tenants by.
     */
    public List<String> busiest(int n, Predicate<String> counted) {
        long now = clock.getAsLong();
        Map<String, Double> shares = new HashMap<>();
        measures.forEach((capability, byMeasure) -> {
            if (counted.test(capability)) {
                byMeasure.values().forEach(m -> {
                    LayerFigures f = m.total.figures(now);
                    if (f.rate() > 0) {
                        f.tenants().forEach(t -> shares.merge(t.tenant(), t.rate() / f.rate(), Double::sum));
                    }
                });
            }
        });
        return shares.entrySet().stream().filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(n).map(Map.Entry::getKey).toList();
    }

    /** Every layer's figures now. */
    List<LayerFigures> snapshot() {
        long now = clock.getAsLong();
        List<LayerFigures> out = new ArrayList<>();
        for (Layer l : layers) {
            out.add(l.figures(now));
        }
        return out;
    }

    long dropped() {
        return dropped.sum();
    }

    /** Tenants tracked by name now, over all layers. */
    public int tracked() {
        int n = 0;
        for (Layer l : layers) {
            n += l.size();
        }
        return n;
    }

    /** Resources counted outside the named ones, over all measures (at most {@value #CANDIDATES_PER_RESOURCE} per named one). */
    int candidates() {
        int n = 0;
        for (Map<String, Measure> byMeasure : measures.values()) {
            for (Measure m : byMeasure.values()) {
                n += m.candidates();
            }
        }
        return n;
    }

    /** An upper bound of the memory the tracked tenants take, in bytes (what the settings allow at most is {@link #bound}). */
    long estimatedBytes() {
        return tracked() * BYTES_PER_TENANT + layers.size() * 1024L + candidates() * (BYTES_PER_RESOURCE + 32);
    }

    /** The most memory these settings can take, in bytes, however many tenants report. */
    public static long bound(Settings s) {
        return (long) s.maxLayers() * (capacity(s) * (BYTES_PER_TENANT + 8) + 1024L + BYTES_PER_RESOURCE)
                + (long) s.maxMeasures() * CANDIDATES_PER_RESOURCE * s.resourcesPerMeasure() * (BYTES_PER_RESOURCE + 32);
    }

    private static int stripes(Settings s) {
        return s.tenantsPerLayer() >= 64 ? STRIPES : 1;
    }

    /**
     * Tenants hash unevenly over the stripes: each gets a quarter more than its even part, so a layer with no more
     * tenants than {@code tenantsPerLayer} rarely makes a stripe evict (eviction scans the stripe).
     */
    private static int perStripe(Settings s) {
        int n = stripes(s);
        return n == 1 ? s.tenantsPerLayer() : (s.tenantsPerLayer() * 5 / 4 + n - 1) / n;
    }

    /** Tenants a layer tracks by name at most. */
    static int capacity(Settings s) {
        return stripes(s) * perStripe(s);
    }

    /**
     * A measure's layer, its resources' parts by name (at most {@code resourcesPerMeasure}) and the rest's
     * ({@link TenantLoad#OTHER_RESOURCE}). The named resources are the busiest by their current rate (the decayed sum
     * of the rate's half-life), not the first seen: the resources not named are counted in a space-saving table of
     * {@value #CANDIDATES_PER_RESOURCE} per named one (a new resource takes the smallest entry's place and count, that
     * count its possible overestimate). At most once every {@value #RANK_MILLIS} ms, as a sample of a resource not named
     * arrives, the busiest of them by what it surely did (its count less the overestimate) takes the place of the
     * quietest named one when it is over {@value #PROMOTE_OVER} times its load, so two resources of about the same load
     * do not trade places back and forth.
     *
     * <p>History: a demoted resource's tenants and their sums (rate and baseline) move into the rest's layer, so a
     * measure's parts still add up to it, and it goes on in the table with its load; a promoted one's past stays in the
     * rest's layer (which tenants made it is not known there) and its layer starts empty, its past load carried for the
     * ranking only. The measure's own layer, where spikes are judged and the metrics' tenants ranked, is never touched.
     * A sample in flight at a swap may miss the resource parts, never the measure's layer. The hot path of a named
     * resource is unchanged: a map read, no lock of the measure.
     */
    private final class Measure {
        final String name;
        final Layer total;
        final Map<String, Layer> resources = new ConcurrentHashMap<>();
        private volatile Layer other;
        // the rest below guarded by this
        /** Resources not named, by name: forward-decayed counts against {@link #epoch}. */
        private final Map<String, Candidate> candidates = new HashMap<>();
        /** A promoted resource's load before it was named (forward-decayed against {@link #epoch}), for ranking. */
        private final Map<String, Double> carried = new HashMap<>();
        private long epoch = clock.getAsLong();
        private long rankedAt = epoch;

        Measure(String name) {
            this.name = name;
            this.total = newLayer(name);
        }

        Layer resource(String resource, double amount, long now) {
            Layer r = resources.get(resource);
            if (r != null) {
                return r;
            }
            synchronized (this) {
                r = resources.get(resource);
                if (r != null) {
                    return r;
                }
                if (resources.size() < settings.resourcesPerMeasure()) {
                    r = newLayer(name + "/" + resource);
                    resources.put(resource, r);
                    return r;
                }
                Layer rest = other();
                if (settings.resourcesPerMeasure() > 0) {
                    count(resource, amount, now);
                    if (now - rankedAt >= RANK_MILLIS) {
                        rankedAt = now;
                        rank(now);
                    }
                }
                return rest; // this sample is the rest's even if its resource was just named: its past stays there
            }
        }

        private Layer other() {
            if (other == null) {
                other = newLayer(name + "/" + TenantLoad.OTHER_RESOURCE);
            }
            return other;
        }

        private long grownAt = Long.MIN_VALUE;
        private double growth;

        private double growth(long now) {
            if (now != grownAt) { // one power per millisecond, not per sample
                growth = Math.pow(2, (double) (now - epoch) / settings.rateHalfLifeMillis());
                grownAt = now;
            }
            return growth;
        }

        /** Space-saving: a resource not in the table takes the smallest entry's place and count. */
        private void count(String resource, double amount, long now) {
            if ((double) (now - epoch) / settings.rateHalfLifeMillis() > MAX_EXPONENT) {
                double f = 1 / growth(now);
                candidates.values().forEach(c -> {
                    c.count *= f;
                    c.error *= f;
                });
                carried.replaceAll((k, v) -> v * f);
                epoch = now;
                grownAt = Long.MIN_VALUE;
            }
            Candidate c = candidates.get(resource);
            if (c == null) {
                c = new Candidate(resource);
                if (candidates.size() >= CANDIDATES_PER_RESOURCE * settings.resourcesPerMeasure()) {
                    Candidate smallest = smallestCandidate();
                    candidates.remove(smallest.resource);
                    c.count = smallest.count;
                    c.error = smallest.count;
                }
                candidates.put(resource, c);
            }
            c.count += amount * growth(now);
        }

        private Candidate smallestCandidate() {
            Candidate smallest = null;
            for (Candidate c : candidates.values()) {
                if (smallest == null || c.count < smallest.count) {
                    smallest = c;
                }
            }
            return smallest;
        }

        /** Promotes the busiest resources not named while each is over {@link #PROMOTE_OVER} times the quietest named one. */
        private void rank(long now) {
            double g = growth(now);
            for (int swaps = 0; swaps < settings.resourcesPerMeasure(); swaps++) {
                Candidate best = null;
                for (Candidate c : candidates.values()) {
                    if (best == null || c.count - c.error > best.count - best.error) {
                        best = c;
                    }
                }
                String quietest = null;
                double quietestLoad = Double.MAX_VALUE;
                for (Map.Entry<String, Layer> e : resources.entrySet()) {
                    double load = e.getValue().decayedTotal(now) + carried.getOrDefault(e.getKey(), 0.0) / g;
                    if (load < quietestLoad) {
                        quietest = e.getKey();
                        quietestLoad = load;
                    }
                }
                if (best == null || quietest == null || (best.count - best.error) / g <= PROMOTE_OVER * quietestLoad) {
                    return;
                }
                Layer demoted = resources.remove(quietest);
                carried.remove(quietest);
                layers.remove(demoted);
                other().absorb(demoted, now);
                candidates.remove(best.resource);
                resources.put(best.resource, newLayer(name + "/" + best.resource));
                carried.put(best.resource, best.count - best.error);
                Candidate back = new Candidate(quietest);
                back.count = quietestLoad * g;
                if (candidates.size() >= CANDIDATES_PER_RESOURCE * settings.resourcesPerMeasure()) {
                    candidates.remove(smallestCandidate().resource);
                }
                candidates.put(quietest, back);
            }
        }

        /** Resources counted outside the named ones now. */
        synchronized int candidates() {
            return candidates.size();
        }
    }

    /** A resource not named: its decayed count and how much of it may be another's (space-saving). */
    private static final class Candidate {
        final String resource;
        double count;
        double error;

        Candidate(String resource) {
            this.resource = resource;
        }
    }

    private Layer newLayer(String name) {
        Layer l = new Layer(name);
        layers.add(l);
        return l;
    }

    /** A tenant's two sums (or, tenant null, the rest of a layer's) as decayed to one moment. */
    private record Sums(String tenant, double fast, double slow) {
    }

    /** One decaying sum pair, forward-decayed against the layer's epoch. */
    private static final class Slot {
        final String tenant;
        final int index;
        double fast;
        double slow;

        Slot(String tenant, int index) {
            this.tenant = tenant;
            this.index = index;
        }
    }

    /**
     * A layer's tenants split over stripes by hash, each a sketch of its part of the capacity with its own lock, so
     * threads reporting different tenants rarely wait for each other.
     */
    private final class Layer {
        final String name;
        final Stripe[] stripes;

        Layer(String name) {
            this.name = name;
            int n = stripes(settings);
            stripes = new Stripe[n];
            for (int i = 0; i < n; i++) {
                stripes[i] = new Stripe(perStripe(settings));
            }
        }

        void add(String tenant, double amount, long now) {
            stripe(tenant).add(tenant, amount, amount, now);
        }

        private Stripe stripe(String tenant) {
            return stripes[stripes.length == 1 ? 0 : (tenant.hashCode() & Integer.MAX_VALUE) % stripes.length];
        }

        /** The layer's total decayed to now: the sum of the amounts times 2^(-age / rate half-life). */
        double decayedTotal(long now) {
            double sum = 0;
            for (Stripe s : stripes) {
                sum += s.decayedTotal(now);
            }
            return sum;
        }

        /** Takes over another layer's tenants and totals, as sums decayed to now: its history goes on here. */
        void absorb(Layer from, long now) {
            for (Stripe s : from.stripes) {
                for (Sums t : s.decayed(now)) {
                    if (t.tenant() == null) {
                        stripes[0].addTotals(t.fast(), t.slow(), now);
                    } else {
                        stripe(t.tenant()).add(t.tenant(), t.fast(), t.slow(), now);
                    }
                }
            }
        }

        int size() {
            int n = 0;
            for (Stripe s : stripes) {
                n += s.size();
            }
            return n;
        }

        LayerFigures figures(long now) {
            double rate = 0;
            double baseline = 0;
            List<Figure> tenants = new ArrayList<>();
            for (Stripe s : stripes) {
                LayerFigures f = s.figures(now);
                rate += f.rate();
                baseline += f.baseline();
                tenants.addAll(f.tenants());
            }
            return new LayerFigures(name, rate, baseline, tenants);
        }
    }

    private final class Stripe {
        final Map<String, Slot> byTenant = new HashMap<>();
        final Slot[] slots;
        int used;
        final long started = clock.getAsLong();
        long epoch = started;
        double totalFast;
        double totalSlow;
        long grownAt = Long.MIN_VALUE;
        double fastGrowth;
        double slowGrowth;

        Stripe(int capacity) {
            slots = new Slot[capacity];
        }

        synchronized int size() {
            return used;
        }

        private void advance(long now) {
            if ((double) (now - epoch) / settings.rateHalfLifeMillis() > MAX_EXPONENT) {
                rebase(now);
            }
            if (now != grownAt) { // the clock moves in milliseconds: two powers per millisecond, not per sample
                fastGrowth = growth(now, settings.rateHalfLifeMillis());
                slowGrowth = growth(now, settings.baselineHalfLifeMillis());
                grownAt = now;
            }
        }

        /** Adds to the totals only (what no tracked tenant's sums hold), as sums decayed to now. */
        synchronized void addTotals(double fast, double slow, long now) {
            advance(now);
            totalFast += fast * fastGrowth;
            totalSlow += slow * slowGrowth;
        }

        synchronized double decayedTotal(long now) {
            return totalFast / growth(now, settings.rateHalfLifeMillis());
        }

        /** Each tracked tenant's sums decayed to now, then the rest of the totals (tenant null). */
        synchronized List<Sums> decayed(long now) {
            double f = growth(now, settings.rateHalfLifeMillis());
            double sl = growth(now, settings.baselineHalfLifeMillis());
            List<Sums> out = new ArrayList<>(used + 1);
            double restFast = totalFast;
            double restSlow = totalSlow;
            for (int i = 0; i < used; i++) {
                out.add(new Sums(slots[i].tenant, slots[i].fast / f, slots[i].slow / sl));
                restFast -= slots[i].fast;
                restSlow -= slots[i].slow;
            }
            out.add(new Sums(null, Math.max(0, restFast) / f, Math.max(0, restSlow) / sl));
            return out;
        }

        /** {@code fast} and {@code slow}: the amounts to add to the two sums as of now (a sample's: its amount, twice). */
        synchronized void add(String tenant, double fast, double slow, long now) {
            advance(now);
            Slot s = byTenant.get(tenant);
            if (s == null) {
                if (used < slots.length) {
                    s = new Slot(tenant, used);
                    slots[used++] = s;
                } else {
                    Slot smallest = slots[0];
                    for (int i = 1; i < used; i++) {
                        if (slots[i].fast < smallest.fast) {
                            smallest = slots[i];
                        }
                    }
                    byTenant.remove(smallest.tenant);
                    s = new Slot(tenant, smallest.index);
                    s.fast = smallest.fast;
                    s.slow = smallest.slow;
                    slots[smallest.index] = s;
                }
                byTenant.put(tenant, s);
            }
            s.fast += fast * fastGrowth;
            s.slow += slow * slowGrowth;
            totalFast += fast * fastGrowth;
            totalSlow += slow * slowGrowth;
        }

        private double growth(long now, long halfLife) {
            return Math.pow(2, (double) (now - epoch) / halfLife);
        }

        /**
         * From a decayed sum to a rate per second: a steady rate r held for t ms leaves a sum of r × H / ln 2 ×
         * (1 - 2^(-t/H)); dividing by that warm-up term keeps a young layer's baseline from reading as a spike.
         */
        private double scale(long now, long halfLife) {
            double warm = 1 - Math.pow(2, -(double) Math.max(1, now - started) / halfLife);
            return 1000 * LN2 / halfLife / warm / growth(now, halfLife);
        }

        /** Moves the epoch to now: every sum scaled down by its growth since the old epoch. */
        private void rebase(long now) {
            double f = 1 / growth(now, settings.rateHalfLifeMillis());
            double sl = 1 / growth(now, settings.baselineHalfLifeMillis());
            for (int i = 0; i < used; i++) {
                slots[i].fast *= f;
                slots[i].slow *= sl;
            }
            totalFast *= f;
            totalSlow *= sl;
            epoch = now;
            grownAt = Long.MIN_VALUE;
        }

        synchronized LayerFigures figures(long now) {
            double fastScale = scale(now, settings.rateHalfLifeMillis());
            double slowScale = scale(now, settings.baselineHalfLifeMillis());
            List<Figure> tenants = new ArrayList<>(used);
            for (int i = 0; i < used; i++) {
                tenants.add(new Figure(slots[i].tenant, slots[i].fast * fastScale, slots[i].slow * slowScale));
            }
            return new LayerFigures(null, totalFast * fastScale, totalSlow * slowScale, tenants);
        }
    }
}
