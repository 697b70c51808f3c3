package io.headroom.core.internal.rest;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.annotation.security.PermitAll;
import javax.ws.rs.Consumes;
import javax.ws.rs.HeaderParam;
import javax.ws.rs.HttpMethod;
import javax.ws.rs.Path;
import javax.ws.rs.PathParam;
import javax.ws.rs.Produces;
import javax.ws.rs.QueryParam;
import javax.ws.rs.core.Context;
import javax.ws.rs.core.Response;

/**
 * An OpenAPI 3.0 description built from the JAX-RS annotations of the resources that are live right now, so it
 * changes as capabilities come and go. Records are described field by field; other types by their JSON kind.
 */
final class OpenApi {
    private OpenApi() {
    }

    /** {@code resources}: base path (e.g. /api/example) to resource class. */
    static Map<String, Object> document(String version, Map<String, Class<?>> resources) {
        Map<String, Map<String, Object>> paths = new TreeMap<>();
        resources.forEach((base, type) -> describe(base, type, paths));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("openapi", "3.0.3");
        doc.put("info", Map.of("title", "Headroom", "version", version));
        doc.put("paths", paths);
        doc.put("components", Map.of("securitySchemes", Map.of(
                "token", Map.of("type", "http", "scheme", "bearer"),
                "operator", Map.of("type", "http", "scheme", "basic"))));
        doc.put("security", List.of(Map.of("token", List.of()), Map.of("operator", List.of())));
        return doc;
    }

    private static void describe(String base, Class<?> type, Map<String, Map<String, Object>> paths) {
        String classPath = pathOf(type.getAnnotation(Path.class));
        for (Method m : type.getMethods()) {
            String verb = httpMethod(m);
            if (verb == null) {
                continue;
            }
            String path = normalise(base + classPath + pathOf(m.getAnnotation(Path.class)));
            Map<String, Object> op = new LinkedHashMap<>();
            op.put("operationId", type.getSimpleName() + "." + m.getName());
            List<Map<String, Object>> params = new ArrayList<>();
            Map<String, Object> body = null;
            for (Parameter p : m.getParameters()) {
                if (p.isAnnotationPresent(PathParam.class)) {
                    params.add(param(p.getAnnotation(PathParam.class).value(), "path", true, p.getParameterizedType()));
                } else if (p.isAnnotationPresent(QueryParam.class)) {
                    params.add(param(p.getAnnotation(QueryParam.class).value(), "query", false, p.getParameterizedType()));
                } else if (p.isAnnotationPresent(HeaderParam.class)) {
                    params.add(param(p.getAnnotation(HeaderParam.class).value(), "header", false, p.getParameterizedType()));
                } else if (!p.isAnnotationPresent(Context.class) && !hasJaxRsAnnotation(p)) {
                    body = Map.of("required", true, "content", Map.of(first(m.getAnnotation(Consumes.class), type.getAnnotation(Consumes.class)),
                            Map.of("schema", schema(p.getParameterizedType(), 0))));
                }
            }
            if (!params.isEmpty()) {
                op.put("parameters", params);
            }
            if (body != null) {
                op.put("requestBody", body);
            }
            Map<String, Object> ok = new LinkedHashMap<>();
            ok.put("description", "success");
            if (m.getReturnType() != void.class && m.getReturnType() != Response.class) {
                ok.put("content", Map.of(first(m.getAnnotation(Produces.class), type.getAnnotation(Produces.class)),
                        Map.of("schema", schema(m.getGenericReturnType(), 0))));
            }
            Map<String, Object> responses = new LinkedHashMap<>();
            responses.put("2XX", ok);
            responses.put("4XX", Map.of("description", "client error", "content", Map.of(Problem.MEDIA_TYPE, Map.of("schema", schema(Problem.class, 0)))));
            op.put("responses", responses);
            if (m.isAnnotationPresent(PermitAll.class) || type.isAnnotationPresent(PermitAll.class)) {
                op.put("security", List.of());
            }
            paths.computeIfAbsent(path, k -> new TreeMap<>()).put(verb.toLowerCase(), op);
        }
    }

    private static boolean hasJaxRsAnnotation(Parameter p) {
        for (Annotation a : p.getAnnotations()) {
            if (a.annotationType().getPackageName().startsWith("javax.ws.rs")) {
                return true;
            }
        }
        return false;
    }

    private static String first(Annotation method, Annotation type) {
        for (Annotation a : new Annotation[] {method, type}) {
            if (a instanceof Consumes c && c.value().length > 0) {
                return c.value()[0];
            }
            if (a instanceof Produces p && p.value().length > 0) {
                return p.value()[0];
            }
        }
        return "application/json";
    }

    private static Map<String, Object> param(String name, String in, boolean required, Type type) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("name", name);
        p.put("in", in);
        p.put("required", required);
        p.put("schema", schema(type, 0));
        return p;
    }

    static Map<String, Object> schema(Type type, int depth) {
        if (type instanceof ParameterizedType pt && pt.getRawType() instanceof Class<?> raw) {
            if (Collection.class.isAssignableFrom(raw)) {
                return Map.of("type", "array", "items", schema(pt.getActualTypeArguments()[0], depth + 1));
            }
            if (Map.class.isAssignableFrom(raw)) {
                return Map.of("type", "object", "additionalProperties", schema(pt.getActualTypeArguments()[1], depth + 1));
            }
            return schema(raw, depth);
        }
        if (!(type instanceof Class<?> c)) {
            return Map.of();
        }
        if (c == String.class || c.isEnum() || c.getSimpleName().equals("TenantId")) {
            return Map.of("type", "string");
        }
        if (c == boolean.class || c == Boolean.class) {
            return Map.of("type", "boolean");
        }
        if (c == int.class || c == Integer.class || c == long.class || c == Long.class) {
            return Map.of("type", "integer");
        }
        if (c == double.class || c == Double.class || c == float.class || c == Float.class) {
            return Map.of("type", "number");
        }
        if (c.isRecord() && depth < 6) {
            Map<String, Object> props = new LinkedHashMap<>();
            for (RecordComponent rc : c.getRecordComponents()) {
                props.put(rc.getName(), schema(rc.getGenericType(), depth + 1));
            }
            return Map.of("type", "object", "properties", props, "additionalProperties", false);
        }
        return Map.of("type", "object");
    }

    private static String httpMethod(Method m) {
        for (Annotation a : m.getAnnotations()) {
            HttpMethod h = a.annotationType().getAnnotation(HttpMethod.class);
            if (h != null) {
                return h.value();
            }
        }
        return null;
    }

    private static String pathOf(Path p) {
        return p == null ? "" : "/" + p.value();
    }

    private static String normalise(String path) {
        String p = path.replaceAll("/+", "/");
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }
}
