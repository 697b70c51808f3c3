package io.headroom.core.internal.metrics;

import io.headroom.core.api.metrics.Counter;
import io.headroom.core.api.metrics.Histogram;
import io.headroom.core.api.metrics.Metrics;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
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
                    .name(n).help(help).labelNames(labelNames).build();
            add(n, c);
            return new Counter() {
                @Override
                public void inc(String... labelValues) {
                    c.labelValues(labelValues).inc();
                }

                @Override
                public void add(double amount, String... labelValues) {
                    c.labelValues(labelValues).inc(amount);
                }
            };
        });
    }

    @Override
    public Histogram histogram(String name, String help, double[] buckets, String... labelNames) {
        return (Histogram) meters.computeIfAbsent(name, n -> {
            io.prometheus.metrics.core.metrics.Histogram h = io.prometheus.metrics.core.metrics.Histogram.builder()
                    .name(n).help(help).classicOnly().classicUpperBounds(buckets).labelNames(labelNames).build();
            add(n, h);
            return (Histogram) (value, labelValues) -> h.labelValues(labelValues).observe(value);
        });
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
