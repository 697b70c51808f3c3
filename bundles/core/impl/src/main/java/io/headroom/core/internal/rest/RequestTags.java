package io.headroom.core.internal.rest;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.annotation.Priority;
import javax.ws.rs.Path;
import javax.ws.rs.Priorities;
import javax.ws.rs.container.ContainerRequestContext;
import javax.ws.rs.container.ContainerRequestFilter;
import javax.ws.rs.container.ResourceInfo;
import javax.ws.rs.core.Context;
import org.slf4j.MDC;

/**
 * Names a matched request for the metrics and the logs, before anything can refuse it: its endpoint as the resource's
 * path template ({@code /search/collections/{collection}/tenants/{tenant}/search}: a small set, fit for a metric
 * label, unlike the concrete path) and the tenant it is about, put in the MDC of every log line the request writes.
 */
@Priority(Priorities.AUTHENTICATION - 100)
final class RequestTags implements ContainerRequestFilter {
    static final String ENDPOINT_ATTRIBUTE = RequestTags.class.getName() + ".endpoint";
    static final String MDC_TENANT = "tenant";

    private final String segment;
    private final Map<Method, String> templates = new ConcurrentHashMap<>();

    @Context
    private ResourceInfo resource;

    RequestTags(String segment) {
        this.segment = segment;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        Method method = resource.getResourceMethod();
        if (method != null) {
            request.setProperty(ENDPOINT_ATTRIBUTE, templates.computeIfAbsent(method, m -> template(resource.getResourceClass(), m)));
        }
        String tenant = request.getUriInfo().getPathParameters().getFirst(AuthFilter.TENANT_PARAM);
        if (tenant != null) {
            MDC.put(MDC_TENANT, tenant);
        }
    }

    private String template(Class<?> type, Method method) {
        StringBuilder out = new StringBuilder("/").append(segment);
        append(out, type == null ? null : type.getAnnotation(Path.class));
        append(out, method.getAnnotation(Path.class));
        return out.toString();
    }

    private static void append(StringBuilder out, Path path) {
        if (path == null) {
            return;
        }
        String p = path.value().replaceAll("/+$", "").replaceAll("^/+", "");
        if (!p.isEmpty()) {
            out.append('/').append(p.replaceAll("\\{(\\w+)\\s*:[^}]*}", "{$1}")); // {id: [0-9]+} -> {id}
        }
    }
}
