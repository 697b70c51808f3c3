package io.headroom.queue.api;

import io.headroom.core.api.JobName;
import java.net.URI;

/**
 * A job type whose workers live outside the platform, declared by an operator and kept in the control schema (the
 * same on every node). {@code visibilitySeconds} is how long a pull lease lasts unless the worker asks otherwise;
 * {@code timeoutMillis} bounds one push delivery; {@code concurrency} bounds the jobs leased or being pushed at once
 * on a node. The push secret is write-only: {@code hasSecret} says whether one is set.
 */
public record RemoteType(String name, Delivery delivery, String url, int maxAttempts, long backoffMillis, int visibilitySeconds,
                         long timeoutMillis, int concurrency, boolean hasSecret) {
    public RemoteType {
        JobName.of(name, "job type", JobRequest.MAX_TYPE_LENGTH);
        if (delivery == null) {
            throw new IllegalArgumentException("'delivery' must be pull or push");
        }
        if (delivery == Delivery.PUSH) {
            checkUrl(url);
        } else if (url != null && !url.isBlank()) {
            throw new IllegalArgumentException("'url' is only for push types");
        } else {
            url = null;
        }
        range("maxAttempts", maxAttempts, 1, 100);
        range("backoffMillis", backoffMillis, 0, 3_600_000);
        range("visibilitySeconds", visibilitySeconds, 1, 43_200);
        range("timeoutMillis", timeoutMillis, 100, 600_000);
        range("concurrency", concurrency, 1, 10_000);
    }

    private static void range(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException("'" + name + "' must be " + min + "-" + max + ", not " + value);
        }
    }

    private static void checkUrl(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("a push type needs a 'url'");
        }
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'url' is not a URL: " + url);
        }
        if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null || u.getUserInfo() != null) {
            throw new IllegalArgumentException("'url' must be an http or https URL with a host (and no user info)");
        }
    }
}
