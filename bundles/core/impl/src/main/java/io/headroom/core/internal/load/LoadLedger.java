package io.headroom.core.internal.load;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * One node's load per layer and tenant in fixed memory. Each layer keeps a space-saving sketch (Metwally et al.) of at
 * most {@code tenantsPerLayer} tenants, each with two exponentially decaying sums of what it reported: a fast one (the
 * current rate) and a slow one (its baseline); plus the layer's exact totals, so the tenants not tracked by name are
 * the total minus the tracked. A new tenant that finds no free slot takes over the one with the smallest current rate
 * and inherits its sums (the sketch's overestimate, bounded by that smallest rate). A layer's capacity is split over
 * lock stripes by the tenant's hash, so threads reporting different tenants rarely wait for one another. At most {@code maxLayers} layers;
 * samples for further layers are counted as dropped.
 *
 * <p>Decay is forward: a sum is kept as {@code weight × 2^((t - epoch) / halfLife)}, so adding is one multiply and the
 * smallest slot is found by plain comparison; the epoch moves forward before the exponent grows large. Pure: no I/O,
 * time from a clock. Public for the benchmark only; the package is not exported.
 */
public final class LoadLedger {
    /** Bytes a tracked tenant costs at most: slot object, map node, key string (63 chars), table share. */
    static final long BYTES_PER_TENANT = 48 + 48 + 64 + 16 + 16;
    private static final double LN2 = Math.log(2);
    /** Exponents beyond this (2^400) move the epoch forward: far from double overflow (2^1023). */
    private static final double MAX_EXPONENT = 400;
    /** Lock stripes per layer (when it tracks at least 64 tenants). */
    private static final int STRIPES = 8;

    public record Settings(int tenantsPerLayer, int maxLayers, long rateHalfLifeMillis, long baselineHalfLifeMillis) {
        public Settings {
            if (tenantsPerLayer < 1 || maxLayers < 1 || rateHalfLifeMillis < 1 || baselineHalfLifeMillis < rateHalfLifeMillis) {
                throw new IllegalArgumentException("bad ledger settings: " + tenantsPerLayer + " tenants per layer, " + maxLayers
                        + " layers, half-lives " + rateHalfLifeMillis + " / " + baselineHalfLifeMillis + " ms");
            }
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
    private final Map<String, Layer> layers = new ConcurrentHashMap<>();
    private final LongAdder dropped = new LongAdder();

    public LoadLedger(Settings settings, LongSupplier clock) {
        this.settings = settings;
        this.clock = clock;
    }

    public void add(String layer, String tenant, double amount) {
        if (!(amount > 0)) {
            return;
        }
        Layer l = layers.get(layer);
        if (l == null) {
            synchronized (layers) {
                l = layers.get(layer);
                if (l == null) {
                    if (layers.size() >= settings.maxLayers()) {
                        dropped.increment();
                        return;
                    }
                    l = new Layer(layer);
                    layers.put(layer, l);
                }
            }
        }
        l.add(tenant, amount, clock.getAsLong());
    }

    /** Every layer's figures now. */
    List<LayerFigures> snapshot() {
        long now = clock.getAsLong();
        List<LayerFigures> out = new ArrayList<>();
        for (Layer l : layers.values()) {
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
        for (Layer l : layers.values()) {
            n += l.size();
        }
        return n;
    }

    /** An upper bound of the memory the tracked tenants take, in bytes (what the settings allow at most is {@link #bound}). */
    long estimatedBytes() {
        return tracked() * BYTES_PER_TENANT + layers.size() * 1024L;
    }

    /** The most memory these settings can take, in bytes, however many tenants report. */
    public static long bound(Settings s) {
        return (long) s.maxLayers() * (capacity(s) * (BYTES_PER_TENANT + 8) + 1024L);
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
            stripes[stripes.length == 1 ? 0 : (tenant.hashCode() & Integer.MAX_VALUE) % stripes.length].add(tenant, amount, now);
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

        synchronized void add(String tenant, double amount, long now) {
            if ((double) (now - epoch) / settings.rateHalfLifeMillis() > MAX_EXPONENT) {
                rebase(now);
            }
            if (now != grownAt) { // the clock moves in milliseconds: two powers per millisecond, not per sample
                fastGrowth = growth(now, settings.rateHalfLifeMillis());
                slowGrowth = growth(now, settings.baselineHalfLifeMillis());
                grownAt = now;
            }
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
            s.fast += amount * fastGrowth;
            s.slow += amount * slowGrowth;
            totalFast += amount * fastGrowth;
            totalSlow += amount * slowGrowth;
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
