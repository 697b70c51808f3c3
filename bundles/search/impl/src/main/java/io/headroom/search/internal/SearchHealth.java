package io.headroom.search.internal;

import io.headroom.core.api.health.Health;
import io.headroom.core.api.health.HealthCheck;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Search's readiness: Elasticsearch's cluster health, asked of the configured endpoints in turn (UP for green or
 * yellow, DEGRADED for red: some indexes lack a primary; DOWN when no endpoint answers). A plain HTTP call of its own,
 * so the check tells the truth even while the search engines are busy or stuck.
 */
@Component(service = HealthCheck.class, configurationPid = SearchNode.PID, property = HealthCheck.CAPABILITY + "=search")
public final class SearchHealth implements HealthCheck {
    private static final Pattern STATUS = Pattern.compile("\"status\"\\s*:\\s*\"(\\w+)\"");
    private final List<String> endpoints = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(800)).build();

    @Activate
    public SearchHealth(SearchConfig config) {
        for (String e : config.endpoints().split(",")) {
            if (!e.isBlank()) {
                endpoints.add(e.strip().replaceAll("/+$", ""));
            }
        }
    }

    @Override
    public Health check() {
        String failure = "no Elasticsearch endpoint configured";
        for (String endpoint : endpoints) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint + "/_cluster/health"))
                        .timeout(Duration.ofMillis(1200)).build(), HttpResponse.BodyHandlers.ofString());
                Matcher m = STATUS.matcher(r.body());
                if (r.statusCode() == 200 && m.find()) {
                    return "red".equals(m.group(1)) ? Health.degraded("Elasticsearch at " + endpoint + " is red")
                            : Health.up("Elasticsearch at " + endpoint + " is " + m.group(1));
                }
                failure = "Elasticsearch at " + endpoint + " answered " + r.statusCode();
            } catch (java.io.IOException e) {
                failure = "Elasticsearch at " + endpoint + " does not answer: " + e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Health.down("interrupted");
            }
        }
        return Health.down(failure);
    }
}
