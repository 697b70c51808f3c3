package io.headroom.core.internal.rest;

import io.headroom.core.api.rest.DirectEndpoint;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Which direct endpoint serves a request path: fixed paths by exact match, then paths with one
 * {@value DirectEndpoint#TENANT} segment by prefix and suffix (the segment in between is one non-empty path segment).
 * The tenant segment is confined to the caller by {@link AuthFilter#confine}, as on JAX-RS endpoints.
 */
final class DirectRoutes {
    /** A registered path: fixed ({@code suffix} null) or a template split around its tenant segment. */
    record Route(String path, String prefix, String suffix, DirectEndpoint endpoint) {
        boolean template() {
            return suffix != null;
        }
    }

    /** The endpoint for a path, its template (the metrics label) and the raw tenant segment (null for a fixed path). */
    record Match(DirectEndpoint endpoint, String template, String tenant) {
    }

    private final Map<String, Route> fixed = new ConcurrentHashMap<>();
    private final List<Route> templates = new CopyOnWriteArrayList<>();

    /**
     * The route for a path below the alias, or null when it is not a valid direct path: it starts with a fixed segment,
     * has no empty segment, and at most one segment is {@value DirectEndpoint#TENANT} (no other braces).
     */
    static Route parse(String path, DirectEndpoint endpoint) {
        if (path == null || !path.startsWith("/") || path.length() < 2 || path.endsWith("/") || path.contains("//")) {
            return null;
        }
        String[] segments = path.substring(1).split("/");
        int tenantAt = -1;
        for (int i = 0; i < segments.length; i++) {
            if (segments[i].equals(DirectEndpoint.TENANT)) {
                if (tenantAt >= 0 || i == 0) {
                    return null;
                }
                tenantAt = i;
            } else if (segments[i].indexOf('{') >= 0 || segments[i].indexOf('}') >= 0) {
                return null;
            }
        }
        if (tenantAt < 0) {
            return new Route(path, path, null, endpoint);
        }
        int at = path.indexOf("/" + DirectEndpoint.TENANT);
        return new Route(path, path.substring(0, at + 1), path.substring(at + 1 + DirectEndpoint.TENANT.length()), endpoint);
    }

    /** Registers a route; false when its path (or a template of the same shape) has an endpoint already. */
    synchronized boolean put(Route route) {
        if (!route.template()) {
            return fixed.putIfAbsent(route.path(), route) == null;
        }
        if (templates.stream().anyMatch(r -> r.path().equals(route.path()))) {
            return false;
        }
        templates.add(route);
        return true;
    }

    synchronized void remove(String path, DirectEndpoint endpoint) {
        fixed.computeIfPresent(path, (p, r) -> r.endpoint() == endpoint ? null : r);
        templates.removeIf(r -> r.path().equals(path) && r.endpoint() == endpoint);
    }

    /** The direct endpoint for {@code pathInfo} (below the alias), or null: then JAX-RS serves it. */
    Match match(String pathInfo) {
        if (pathInfo == null) {
            return null;
        }
        Route exact = fixed.get(pathInfo);
        if (exact != null) {
            return new Match(exact.endpoint(), exact.path(), null);
        }
        for (Route r : templates) {
            String tenant = segmentBetween(pathInfo, r.prefix(), r.suffix());
            if (tenant != null) {
                return new Match(r.endpoint(), r.path(), tenant);
            }
        }
        return null;
    }

    /** The one non-empty path segment between prefix and suffix, or null when the path is not of that shape. */
    static String segmentBetween(String path, String prefix, String suffix) {
        int end = path.length() - suffix.length();
        if (end <= prefix.length() || !path.startsWith(prefix) || !path.endsWith(suffix)) {
            return null;
        }
        return path.indexOf('/', prefix.length()) < end ? null : path.substring(prefix.length(), end);
    }
}
