package io.headroom.core.internal.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.core.api.InvalidTenantIdException;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.load.LoadSpike;
import io.headroom.core.api.load.SpikeListener;
import io.headroom.core.api.metrics.Counter;
import io.headroom.core.api.metrics.TopTenants;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports a tenant's spike start or end everywhere an operator may look: a log line naming the tenant, the layer and
 * the figures; the spike counter by layer and tenant label; every {@link SpikeListener} (EventAdmin among them); and,
 * when set, a JSON POST to the webhook ({@code type} tenant.spike or tenant.spike.ended, {@code tenant}, {@code layer},
 * {@code rate}, {@code baseline}, {@code share}, {@code factor}, {@code at}), sent without waiting for its answer.
 */
final class SpikeReporter {
    private static final Logger LOG = LoggerFactory.getLogger(SpikeReporter.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI webhook;
    private final HttpClient http;
    private final Counter spikes;
    private final TopTenants top;
    private final List<SpikeListener> listeners;

    SpikeReporter(URI webhook, Counter spikes, TopTenants top, List<SpikeListener> listeners) {
        this.webhook = webhook;
        this.http = webhook == null ? null : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        this.spikes = spikes;
        this.top = top;
        this.listeners = listeners;
    }

    void report(LoadSpike s) {
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
}
