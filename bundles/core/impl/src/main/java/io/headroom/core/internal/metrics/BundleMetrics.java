package io.headroom.core.internal.metrics;

import io.headroom.core.api.metrics.Counter;
import io.headroom.core.api.metrics.Histogram;
import io.headroom.core.api.metrics.Metrics;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.StatefulMetric;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.registry.Collector;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One bundle's view of the node's registry: what it registers is unregistered when it stops (bundle scope). */
@Component(service = Metrics.class, scope = ServiceScope.BUNDLE)
public final class BundleMetrics implements Metrics {
    private static final Logger LOG = LoggerFactory.getLogger(BundleMetrics.class);
    private final MetricRegistry registry;
    private final Map<String, Object> meters = new ConcurrentHashMap<>();
    private final Map<String, Collector> collectors = new ConcurrentHashMap<>();

    @Activate
    public BundleMetrics(@Reference MetricRegistry registry) {
        this.registry = registry;
    }

    @Deactivate
    void deactivate() {
        collectors.values().forEach(registry::unregister);
        collectors.clear();
        meters.clear();
    }

    @Override
    public Counter counter(String name, String help, String... labelNames) {
        return (Counter) meters.computeIfAbsent(name, n -> {
            io.prometheus.metrics.core.metrics.Counter c = io.prometheus.metrics.core.metrics.Counter.builder()
                    .name(n).help(help).labelNames(labelNames).withoutExemplars().build();
            add(n, c);
            SeriesCache<CounterDataPoint> series = new SeriesCache<>(labelNames.length, c::labelValues);
            return new Counter() {
                @Override
                public void inc(String... labelValues) {
                    series.get(labelValues).inc();
                }

                @Override
                public void add(double amount, String... labelValues) {
                    series.get(labelValues).inc(amount);
                }

                @Override
                public void forget(String labelName, String value) {
                    BundleMetrics.forget(c, labelNames, labelName, value);
                    series.clear();
                }
            };
        });
    }

    @Override
    public Histogram histogram(String name, String help, double[] buckets, String... labelNames) {
        return (Histogram) meters.computeIfAbsent(name, n -> {
            // no exemplars: the text format does not expose them, and sampling them is work on every observation
            io.prometheus.metrics.core.metrics.Histogram h = io.prometheus.metrics.core.metrics.Histogram.builder()
                    .name(n).help(help).classicOnly().classicUpperBounds(buckets).labelNames(labelNames).withoutExemplars().build();
            add(n, h);
            SeriesCache<DistributionDataPoint> series = new SeriesCache<>(labelNames.length, h::labelValues);
            return new Histogram() {
                @Override
                public void observe(double value, String... labelValues) {
                    series.get(labelValues).observe(value);
                }

                @Override
                public double quantile(double q, String... labelValues) {
                    List<String> wanted = List.of(labelValues);
                    for (HistogramSnapshot.HistogramDataPointSnapshot p : h.collect().getDataPoints()) {
                        if (values(p.getLabels(), labelNames).equals(wanted)) {
                            ClassicHistogramBuckets b = p.getClassicBuckets();
                            double[] bounds = new double[b.size()];
                            long[] counts = new long[b.size()];
                            for (int i = 0; i < b.size(); i++) {
                                bounds[i] = b.getUpperBound(i);
                                counts[i] = b.getCount(i);
                            }
                            return BucketQuantile.of(q, bounds, counts);
                        }
                    }
                    return Double.NaN;
                }

                @Override
                public void forget(String labelName, String value) {
                    BundleMetrics.forget(h, labelNames, labelName, value);
                    series.clear();
                }
            };
        });
    }

    private static List<String> values(Labels labels, String[] names) {
        List<String> out = new java.util.ArrayList<>(names.length);
        for (String name : names) {
            out.add(labels.get(name));
        }
        return out;
    }

    private static void forget(StatefulMetric<?, ?> meter, String[] labelNames, String labelName, String value) {
        int i = List.of(labelNames).indexOf(labelName);
        if (i >= 0) {
            meter.removeIf(values -> value.equals(values.get(i)));
        }
    }

    @Override
    public void gauge(String name, String help, List<String> labelNames, Consumer<Samples> collect) {
        meters.computeIfAbsent(name, n -> {
            GaugeWithCallback g = GaugeWithCallback.builder().name(n).help(help).labelNames(labelNames.toArray(String[]::new))
                    .callback(cb -> guarded(n, collect, cb::call)).build();
            add(n, g);
            return g;
        });
    }

    @Override
    public void counter(String name, String help, List<String> labelNames, Consumer<Samples> collect) {
        meters.computeIfAbsent(name, n -> {
            CounterWithCallback c = CounterWithCallback.builder().name(n).help(help).labelNames(labelNames.toArray(String[]::new))
                    .callback(cb -> guarded(n, collect, cb::call)).build();
            add(n, c);
            return c;
        });
    }

    /** A meter read at scrape time whose source fails reports nothing this time instead of failing the whole scrape. */
    private static void guarded(String name, Consumer<Samples> collect, Samples samples) {
        try {
            collect.accept(samples);
        } catch (RuntimeException e) {
            LOG.debug("metrics: {} not collected: {}", name, e.toString());
        }
    }

    private void add(String name, Collector c) {
        registry.register(c);
        collectors.put(name, c);
    }
}
