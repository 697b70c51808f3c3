package io.headroom.core.internal.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The node's one Prometheus registry (client_java, embedded in this bundle): JVM metrics from the start, and whatever
 * the bundles register through their {@link BundleMetrics}. Internal to the core: bundles see only the metrics API.
 */
@Component(service = MetricRegistry.class)
public final class MetricRegistry {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter text = new PrometheusTextFormatWriter(false);

    @Activate
    public MetricRegistry() {
        JvmMetrics.builder().register(registry);
    }

    void register(Collector c) {
        registry.register(c);
    }

    void register(MultiCollector c) {
        registry.register(c);
    }

    void unregister(Collector c) {
        registry.unregister(c);
    }

    /** Writes every meter in the Prometheus text format (0.0.4). */
    public void write(OutputStream out) throws IOException {
        text.write(out, registry.scrape());
    }

    /** A metric family the node declares, whether or not it has a sample right now. */
    public record Family(String name, String type, String help) {
    }

    /** Every family registered, by name: what a dashboard may query (a family with no sample is not in the scrape). */
    public List<Family> families() {
        List<Family> out = new ArrayList<>();
        for (MetricSnapshot m : registry.scrape()) {
            String type = m.getClass().getSimpleName().replace("Snapshot", "").toLowerCase(java.util.Locale.ROOT);
            out.add(new Family(m.getMetadata().getPrometheusName(), type, m.getMetadata().getHelp()));
        }
        out.sort(java.util.Comparator.comparing(Family::name));
        return out;
    }

    public static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }
}
