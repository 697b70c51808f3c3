package io.headroom.core.internal.metrics;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.metrics.Counter;
import io.headroom.core.api.metrics.Histogram;
import io.headroom.core.api.metrics.Metrics;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.Test;

public class BundleMetricsTest {
    private final MetricRegistry registry = new MetricRegistry();
    private final BundleMetrics metrics = new BundleMetrics(registry);

    private String scrape() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        registry.write(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    public void aHistogramGivesItsQuantilesPerSeries() {
        Histogram h = metrics.histogram("test_duration_seconds", "test", Metrics.LATENCY_SECONDS, "shard");
        for (int i = 0; i < 98; i++) {
            h.observe(0.003, "s1"); // (2.5 ms, 5 ms]
        }
        h.observe(0.2, "s1"); // (100 ms, 250 ms]
        h.observe(0.2, "s1");
        h.observe(20, "s2");
        assertEquals(0.0025 + 0.0025 * 50 / 98.0, h.quantile(0.5, "s1"), 1e-12);
        assertEquals(0.1 + 0.15 * 1 / 2.0, h.quantile(0.99, "s1"), 1e-12);
        assertEquals(10 + 20 * 0.99, h.quantile(0.99, "s2"), 1e-9);
        assertTrue(Double.isNaN(h.quantile(0.5, "s3")));
    }

    @Test
    public void forgettingALabelValueDropsItsSeriesFromTheScrape() throws Exception {
        Histogram h = metrics.histogram("test_request_seconds", "test", Metrics.LATENCY_SECONDS, "route", "outcome");
        Counter c = metrics.counter("test_failures", "test", "route", "deployment", "reason");
        h.observe(0.01, "chat", "ok");
        h.observe(0.01, "chat", "error");
        h.observe(0.01, "embed", "ok");
        c.inc("chat", "gpt-a", "server_error");
        c.inc("chat", "gpt-b", "server_error");
        c.inc("embed", "gpt-a", "rate_limited");
        h.forget("route", "chat");
        c.forget("deployment", "gpt-a");
        c.forget("no_such_label", "gpt-b");
        String text = scrape();
        assertFalse(text, text.contains("route=\"chat\"") && text.contains("test_request_seconds_count{outcome=\"ok\",route=\"chat\"}"));
        assertFalse(text, text.contains("test_request_seconds_count{outcome=\"error\",route=\"chat\"}"));
        assertTrue(text, text.contains("test_request_seconds_count{outcome=\"ok\",route=\"embed\"} 1"));
        assertFalse(text, text.contains("deployment=\"gpt-a\""));
        assertTrue(text, text.contains("test_failures_total{deployment=\"gpt-b\",reason=\"server_error\",route=\"chat\"} 1.0"));
        assertTrue(Double.isNaN(h.quantile(0.5, "chat", "ok")));
        h.observe(0.01, "chat", "ok"); // counted again from zero
        assertTrue(scrape().contains("test_request_seconds_count{outcome=\"ok\",route=\"chat\"} 1"));
    }

    @Test
    public void aBundleThatStopsTakesItsMetersWithIt() throws Exception {
        metrics.histogram("test_gone_seconds", "test", Metrics.LATENCY_SECONDS, "route").observe(1, "chat");
        assertTrue(scrape().contains("test_gone_seconds_count"));
        metrics.deactivate();
        assertFalse(scrape().contains("test_gone_seconds"));
    }

    @Test
    public void aSeriesFoundAgainIsTheSameAndAWrongNumberOfValuesIsRefused() throws Exception {
        Counter c = metrics.counter("test_cached", "test", "route", "kind");
        for (int i = 0; i < 3; i++) {
            c.inc("chat", "prompt");
            c.inc(new String("chat"), new String("prompt")); // equal values, other instances: the same series
        }
        c.add(2, "chat", "completion");
        String text = scrape();
        assertTrue(text, text.contains("test_cached_total{kind=\"prompt\",route=\"chat\"} 6.0"));
        assertTrue(text, text.contains("test_cached_total{kind=\"completion\",route=\"chat\"} 2.0"));
        try {
            c.inc("chat");
            org.junit.Assert.fail("one value for two labels");
        } catch (IllegalArgumentException expected) {
            // the library's message
        }
        try {
            c.inc("chat", null);
            org.junit.Assert.fail("a null value");
        } catch (RuntimeException expected) {
            // refused, not cached
        }
        c.inc("chat", "prompt");
        assertTrue(scrape().contains("test_cached_total{kind=\"prompt\",route=\"chat\"} 7.0"));
    }
}
