package io.headroom.llm.internal.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.core.api.rest.RestResource;
import io.headroom.llm.api.ChatMessage;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.LlmAdmin;
import io.headroom.llm.api.LlmRouter;
import io.headroom.llm.api.Priority;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.Route;
import io.headroom.llm.api.StreamListener;
import io.headroom.llm.api.TenantQuota;
import io.headroom.llm.api.Usage;
import io.headroom.llm.internal.core.ProviderRefusal;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.annotation.security.RolesAllowed;
import javax.ws.rs.Consumes;
import javax.ws.rs.DELETE;
import javax.ws.rs.GET;
import javax.ws.rs.HeaderParam;
import javax.ws.rs.POST;
import javax.ws.rs.Path;
import javax.ws.rs.PUT;
import javax.ws.rs.PathParam;
import javax.ws.rs.Produces;
import javax.ws.rs.QueryParam;
import javax.ws.rs.core.Context;
import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.Response;
import javax.ws.rs.core.SecurityContext;
import javax.ws.rs.core.StreamingOutput;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * /api/llm: an OpenAI-compatible Chat Completions endpoint (point any OpenAI client's base URL at /api/llm/v1; the
 * {@code model} is a route; streaming as SSE), and the operator's view of routes and deployments.
 */
@Component(service = RestResource.class, property = RestResource.PATH + "=/llm")
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public final class LlmResource implements RestResource {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long a request may wait for a deployment (failover, cooldowns, limits) unless X-Headroom-Timeout-Ms says. */
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final LlmRouter router;
    private final LlmAdmin admin;

    @Activate
    public LlmResource(@Reference LlmRouter router, @Reference LlmAdmin admin) {
        this.router = router;
        this.admin = admin;
    }

    /** The tenant a call is made for: a tenant token's own, else X-Headroom-Tenant, else none (platform scope). */
    private static TenantId tenant(SecurityContext security, String header) {
        Caller caller = Caller.of(security);
        if (caller.tenantScope().isPresent()) {
            return caller.tenantScope().get();
        }
        return header == null || header.isBlank() ? null : TenantId.of(header);
    }

    static Priority priority(String header) {
        if (header == null || header.equalsIgnoreCase("interactive")) {
            return Priority.INTERACTIVE;
        }
        if (header.equalsIgnoreCase("background")) {
            return Priority.BACKGROUND;
        }
        throw ProblemException.badRequest("X-Headroom-Priority must be interactive or background");
    }

    /** How long a call may wait for a deployment: X-Headroom-Timeout-Ms, or 60 s. */
    static Duration timeout(Long timeoutHeader) {
        if (timeoutHeader != null && (timeoutHeader < 1 || timeoutHeader > 600_000)) {
            throw ProblemException.badRequest("X-Headroom-Timeout-Ms must be 1-600000");
        }
        return timeoutHeader == null ? TIMEOUT : Duration.ofMillis(timeoutHeader);
    }

    /** The chat endpoint through JAX-RS: what serves the path while {@link ChatEndpoint} (the direct path) is not registered. */
    @POST
    @Path("v1/chat/completions")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response chat(JsonNode body, @Context SecurityContext security, @HeaderParam("X-Headroom-Tenant") String tenantHeader,
                         @HeaderParam("X-Headroom-Priority") String priorityHeader,
                         @HeaderParam("X-Headroom-Timeout-Ms") Long timeoutHeader) {
        Duration timeout = timeout(timeoutHeader);
        String route = body.path("model").asText("");
        if (route.isEmpty()) {
            throw ProblemException.badRequest("'model' (a route name) is required");
        }
        ChatRequest request;
        try {
            request = ChatBodyReader.read(body).request();
        } catch (IOException e) {
            throw ProblemException.badRequest("malformed JSON: " + e.getMessage());
        }
        TenantId tenant = tenant(security, tenantHeader);
        Priority priority = priority(priorityHeader);
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        if (body.path("stream").asBoolean(false)) {
            boolean tenantCaller = security.isUserInRole(Caller.TENANT);
            StreamingOutput sse = out -> stream(router, out, id, route, tenant, priority, request, timeout, tenantCaller);
            return Response.ok(sse, "text/event-stream").header("Cache-Control", "no-cache").build();
        }
        try {
            ChatResponse r = router.complete(tenant, priority, route, request, timeout);
            ObjectNode json = JSON.createObjectNode().put("id", id).put("object", "chat.completion")
                    .put("created", System.currentTimeMillis() / 1000).put("model", route);
            ObjectNode choice = json.putArray("choices").addObject().put("index", 0).put("finish_reason", r.finishReason());
            ObjectNode message = choice.putObject("message").put("role", "assistant").put("content", r.content());
            if (r.choicesJson() != null) { // n or logprobs: the OpenAI-compatible server's own choices, as it sent them
                try {
                    json.set("choices", JSON.readTree(r.choicesJson()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e); // the adapter wrote it from a parsed answer
                }
            } else if (!r.toolCalls().isEmpty()) {
                ArrayNode calls = message.putArray("tool_calls");
                r.toolCalls().forEach(c -> calls.addObject().put("id", c.id()).put("type", "function").putObject("function")
                        .put("name", c.name()).put("arguments", c.arguments()));
            }
            json.putObject("usage").put("prompt_tokens", r.promptTokens()).put("completion_tokens", r.completionTokens())
                    .put("total_tokens", r.promptTokens() + r.completionTokens());
            Response.ResponseBuilder ok = Response.ok(json);
            if (!security.isUserInRole(Caller.TENANT)) { // deployment names are for operators and platform tokens
                ok.header("X-Headroom-Deployment", r.deployment());
            }
            return ok.build();
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        } catch (ProviderException e) {
            throw problem(e, security.isUserInRole(Caller.TENANT));
        }
    }

    /** The gateway's own refusals, which name only what a tenant may see (routes, its own quota): shown as they are. */
    private static final List<String> OWN_MESSAGES = List.of("no deployment of route ", "route ", "no route named", "tenant ",
            "this request may use ", "interrupted", "not valid JSON", "response_format");

    /**
     * What a caller may read of a failure. Operators and platform tokens get it all; a tenant token never gets
     * deployment names, endpoints or the provider's own error text (which can carry key fragments or ARNs): the
     * gateway's own refusals as they are, the last error behind an exhausted route left out, anything else said
     * plainly by its status.
     */
    static String message(ProviderException e, boolean tenant) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        if (!tenant) {
            return message;
        }
        if (e instanceof ProviderRefusal refusal) {
            return refusal.publicMessage();
        }
        int last = message.indexOf("; last error: ");
        if (last >= 0) {
            return message.substring(0, last);
        }
        for (String own : OWN_MESSAGES) {
            if (message.startsWith(own)) {
                return message;
            }
        }
        return switch (e.status()) {
            case 0 -> "the model's provider did not answer in time or could not be reached";
            case 400, 422 -> "the model's provider refused the request as invalid (HTTP " + e.status() + ")";
            case 401, 403 -> "the model's provider refused the gateway's credentials";
            case 413 -> "the request is too large for the model";
            case 429 -> "the model's provider is rate limiting; retry later";
            default -> "the model's provider failed (HTTP " + e.status() + ")";
        };
    }

    /** A failure as the REST answer for this caller (see {@link #message}). */
    static ProblemException problem(ProviderException e, boolean tenant) {
        String message = message(e, tenant);
        if (tenant && e instanceof ProviderRefusal refusal) { // a refusal of the platform's credentials is not the tenant's
            return refusal(refusal.publicStatus(), message, e);
        }
        if (e.status() == 429 && !e.retryable()) {
            return ProblemException.tooManyRequests(message, (int) Math.max(1, e.retryAfterMillis() / 1000));
        }
        if (!e.retryable() && e.status() >= 400 && e.status() < 500) {
            return refusal(e.status(), message, e);
        }
        return ProblemException.unavailable(message, 1);
    }

    /** A refusal, with OpenAI's error code and param when the failure has them (the error envelope shows them). */
    private static ProblemException refusal(int status, String message, ProviderException e) {
        return e.code() == null && e.param() == null ? new ProblemException(status, message)
                : new OpenAiProblem(status, message, e.code(), e.param());
    }

    /** SSE in OpenAI's chunk format; a failure after the first token is an error event and no [DONE]. */
    static void stream(LlmRouter router, OutputStream out, String id, String route, TenantId tenant, Priority priority,
                       ChatRequest request, Duration timeout, boolean tenantCaller) throws IOException {
        long created = System.currentTimeMillis() / 1000;
        StreamListener writer = new StreamListener() {
            @Override
            public void token(String text) {
                ObjectNode chunk = chunk(id, created, route);
                chunk.withArray("choices").addObject().put("index", 0).putNull("finish_reason").putObject("delta").put("content", text);
                write(out, chunk.toString());
            }

            @Override
            public void toolCall(int index, String callId, String name, String arguments) {
                ObjectNode chunk = chunk(id, created, route);
                ObjectNode call = chunk.withArray("choices").addObject().put("index", 0).putNull("finish_reason").putObject("delta")
                        .putArray("tool_calls").addObject().put("index", index);
                if (callId != null) {
                    call.put("id", callId).put("type", "function");
                }
                ObjectNode f = call.putObject("function").put("arguments", arguments == null ? "" : arguments);
                if (name != null) {
                    f.put("name", name);
                }
                write(out, chunk.toString());
            }

            @Override
            public void completed(ChatResponse response) {
                ObjectNode chunk = chunk(id, created, route);
                chunk.withArray("choices").addObject().put("index", 0).put("finish_reason", response.finishReason()).putObject("delta");
                write(out, chunk.toString());
                write(out, "[DONE]");
            }

            @Override
            public void failed(ProviderException error) {
                ObjectNode e = JSON.createObjectNode();
                e.putObject("error").put("message", "the answer was cut off: " + message(error, tenantCaller)).put("type", "upstream_error");
                write(out, e.toString());
            }
        };
        try {
            router.stream(tenant, priority, route, request, timeout, writer);
        } catch (ProviderException | IllegalArgumentException e) {
            // nothing was streamed yet: the stream carries the error, since the status is already sent
            ObjectNode err = JSON.createObjectNode();
            err.putObject("error").put("message", e instanceof ProviderException p ? message(p, tenantCaller) : e.getMessage()).put("type", e instanceof ProviderException ? "upstream_error" : "invalid_request_error");
            write(out, err.toString());
        }
    }

    private static ObjectNode chunk(String id, long created, String route) {
        return JSON.createObjectNode().put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", route);
    }

    private static void write(OutputStream out, String data) {
        try {
            out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the client went away
        }
    }

    /**
     * The routes the caller may use as OpenAI models (route names are the public model names; nothing about
     * deployments): a tenant token sees the routes open to every tenant and those that name its tenant.
     */
    @GET
    @Path("v1/models")
    public Map<String, Object> models(@Context SecurityContext security) {
        List<Map<String, Object>> data = router.routes(Caller.of(security).tenantScope().orElse(null)).stream().map(r -> Map.<String, Object>of("id", r.name(), "object", "model",
                "created", 0, "owned_by", "headroom")).toList();
        return Map.of("object", "list", "data", data);
    }

    /** Routes with their definition and headroom (this node's load vs capacity over the last minute). */
    @GET
    @Path("routes")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<Map<String, Object>> routes() {
        Map<String, Route> defs = new HashMap<>();
        admin.routes().forEach(r -> defs.put(r.name(), r));
        return admin.routeStatuses().stream().map(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", r.name());
            m.put("strategy", r.strategy());
            m.put("deployments", r.deployments());
            m.put("weights", defs.containsKey(r.name()) ? defs.get(r.name()).weights() : Map.of());
            m.put("dropUnsupported", defs.containsKey(r.name()) ? defs.get(r.name()).dropUnsupported() : List.of());
            m.put("tenants", defs.containsKey(r.name()) ? defs.get(r.name()).tenants() : List.of());
            m.put("requestsLastMinute", r.requestsLastMinute());
            m.put("capacityPerMinute", r.capacityPerMinute());
            m.put("headroomLow", r.low());
            return m;
        }).toList();
    }

    /** Creates or replaces a route for the fleet: {"strategy":"ordered","deployments":["a","b"],"weights":{"a":3}}. */
    @PUT
    @Path("routes/{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Caller.OPERATOR})
    public Map<String, Object> putRoute(@PathParam("name") String name, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ProblemException.badRequest("the body is a JSON object: strategy, deployments, weights");
        }
        known(body, "strategy", "deployments", "weights", "name", "dropUnsupported", "tenants");
        List<String> tenants = new ArrayList<>();
        if (body.has("tenants") && !body.get("tenants").isArray()) {
            throw ProblemException.badRequest("'tenants' must be an array of tenant ids (leave it out: every tenant)");
        }
        body.path("tenants").forEach(t -> tenants.add(t.asText()));
        List<String> drop = new ArrayList<>();
        if (body.has("dropUnsupported") && !body.get("dropUnsupported").isArray()) {
            throw ProblemException.badRequest("'dropUnsupported' must be an array of request parameter names");
        }
        body.path("dropUnsupported").forEach(d -> drop.add(d.asText()));
        List<String> deployments = new ArrayList<>();
        if (!body.path("deployments").isArray()) {
            throw ProblemException.badRequest("'deployments' must be an array of deployment names");
        }
        body.get("deployments").forEach(d -> deployments.add(d.asText()));
        Map<String, Integer> weights = new HashMap<>();
        body.path("weights").fields().forEachRemaining(e -> {
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 1) {
                throw ProblemException.badRequest("weights are whole numbers of 1 or more");
            }
            weights.put(e.getKey(), e.getValue().asInt());
        });
        try {
            Route r = new Route(name, body.path("strategy").asText("ordered"), deployments, weights, drop, tenants);
            admin.putRoute(r);
            return Map.of("name", r.name(), "strategy", r.strategy(), "deployments", r.deployments(), "weights", r.weights(),
                    "dropUnsupported", r.dropUnsupported(), "tenants", r.tenants());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
    }

    @DELETE
    @Path("routes/{name}")
    @RolesAllowed({Caller.OPERATOR})
    public Response deleteRoute(@PathParam("name") String name) {
        if (admin.routes().stream().noneMatch(r -> r.name().equals(name))) {
            throw ProblemException.notFound("no route named " + name);
        }
        admin.removeRoute(name);
        return Response.noContent().build();
    }

    /** Deployments: definition (never the key: only whether one is set) and this node's view of their health and load. */
    @GET
    @Path("deployments")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<Map<String, Object>> deployments() {
        Map<String, Deployment> defs = new HashMap<>();
        admin.deploymentDefinitions().forEach(d -> defs.put(d.name(), d));
        return admin.deployments().stream().map(s -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("provider", s.provider());
            m.put("model", s.model());
            Deployment d = defs.get(s.name());
            if (d != null) {
                m.put("endpoint", d.endpoint());
                m.put("apiKeySet", d.apiKey() != null && !d.apiKey().isEmpty());
                m.put("requestsPerMinute", d.requestsPerMinute());
                m.put("tokensPerMinute", d.tokensPerMinute());
                m.put("inputCostPer1kTokens", d.inputCostPer1kTokens());
                m.put("outputCostPer1kTokens", d.outputCostPer1kTokens());
                m.put("timeoutMillis", d.timeoutMillis());
                m.put("allowedFails", d.allowedFails());
                m.put("streamIdleTimeoutMillis", d.streamIdleTimeoutMillis());
                m.put("responsesApi", d.responsesApi());
            }
            m.put("status", s.status());
            m.put("cooldownReason", s.cooldownReason());
            m.put("cooldownUntilMillis", s.cooldownUntilMillis());
            m.put("latencyMillis", s.latencyMillis());
            m.put("inFlight", s.inFlight());
            m.put("requests", s.requests());
            m.put("failures", s.failures());
            m.put("requestsLastMinute", s.requestsLastMinute());
            return m;
        }).toList();
    }

    /**
     * Creates or replaces a deployment for the fleet. {@code apiKey} is write-only: leave it out to keep the stored one.
     */
    @PUT
    @Path("deployments/{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Caller.OPERATOR})
    public Response putDeployment(@PathParam("name") String name, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ProblemException.badRequest("the body is a JSON object: provider, model, endpoint, apiKey, requestsPerMinute, ...");
        }
        known(body, "name", "provider", "model", "endpoint", "apiKey", "requestsPerMinute", "tokensPerMinute", "inputCostPer1kTokens",
                "outputCostPer1kTokens", "timeoutMillis", "allowedFails", "streamIdleTimeoutMillis", "responsesApi");
        for (String f : List.of("provider", "model", "endpoint")) {
            if (!body.path(f).isTextual()) {
                throw ProblemException.badRequest("'" + f + "' is required (a string)");
            }
        }
        try {
            Deployment d = new Deployment(name, body.get("provider").asText(), body.get("model").asText(),
                    body.get("endpoint").asText().replaceAll("/+$", ""), body.hasNonNull("apiKey") ? body.get("apiKey").asText() : null,
                    integer(body, "requestsPerMinute", 0), integer(body, "tokensPerMinute", 0), decimal(body, "inputCostPer1kTokens"),
                    decimal(body, "outputCostPer1kTokens"), integer(body, "timeoutMillis", 60_000), integer(body, "allowedFails", 0),
                    integer(body, "streamIdleTimeoutMillis", 0), body.hasNonNull("responsesApi") ? body.get("responsesApi").asText() : null);
            admin.putDeployment(d);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
        return Response.ok(deployments().stream().filter(m -> name.equals(m.get("name"))).findFirst().orElse(Map.of("name", name))).build();
    }

    private static void known(JsonNode body, String... fields) {
        List<String> allowed = List.of(fields);
        body.fieldNames().forEachRemaining(f -> {
            if (!allowed.contains(f)) {
                throw ProblemException.badRequest("unknown field '" + f + "'; known fields: " + String.join(", ", allowed));
            }
        });
    }

    private static int integer(JsonNode body, String field, int fallback) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw ProblemException.badRequest("'" + field + "' must be a whole number");
        }
        return v.asInt();
    }

    private static double decimal(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return 0;
        }
        if (!v.isNumber()) {
            throw ProblemException.badRequest("'" + field + "' must be a number");
        }
        return v.asDouble();
    }

    @DELETE
    @Path("deployments/{name}")
    @RolesAllowed({Caller.OPERATOR})
    public Response deleteDeployment(@PathParam("name") String name) {
        if (admin.deploymentDefinitions().stream().noneMatch(d -> d.name().equals(name))) {
            throw ProblemException.notFound("no deployment named " + name);
        }
        admin.removeDeployment(name);
        return Response.noContent().build();
    }

    @POST
    @Path("deployments/{name}/{action}")
    @RolesAllowed({Caller.OPERATOR})
    public Response act(@PathParam("name") String name, @PathParam("action") String action) {
        boolean found = switch (action) {
            case "clear-cooldown" -> admin.clearCooldown(name);
            case "disable" -> admin.setDisabled(name, true);
            case "enable" -> admin.setDisabled(name, false);
            default -> throw ProblemException.badRequest("action must be clear-cooldown, disable or enable");
        };
        if (!found) {
            throw ProblemException.notFound("no deployment named " + name);
        }
        return Response.noContent().build();
    }

    /** Tenant overrides of quotas and budgets. */
    @GET
    @Path("quotas")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<Map<String, Object>> quotas() {
        return admin.quotas().stream().map(LlmResource::quota).toList();
    }

    /** The quota and budgets in force for a tenant (a tenant token: its own). */
    @GET
    @Path("quotas/{tenant}")
    public Map<String, Object> quota(@PathParam("tenant") String tenant) {
        return quota(admin.effectiveQuota(TenantId.of(tenant)));
    }

    private static Map<String, Object> quota(TenantQuota q) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tenant", q.tenant().value());
        m.put("requestsPerMinute", q.requestsPerMinute());
        m.put("tokensPerMinute", q.tokensPerMinute());
        m.put("dailyBudget", q.dailyBudget());
        m.put("monthlyBudget", q.monthlyBudget());
        return m;
    }

    /** Sets a tenant's override: {"requestsPerMinute":100,"tokensPerMinute":null,"dailyBudget":5.0,"monthlyBudget":100}. */
    @PUT
    @Path("quotas/{tenant}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Caller.OPERATOR})
    public Map<String, Object> putQuota(@PathParam("tenant") String tenant, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ProblemException.badRequest("the body is a JSON object: requestsPerMinute, tokensPerMinute, dailyBudget, monthlyBudget");
        }
        known(body, "tenant", "requestsPerMinute", "tokensPerMinute", "dailyBudget", "monthlyBudget");
        try {
            TenantQuota q = new TenantQuota(TenantId.of(tenant), body.hasNonNull("requestsPerMinute") ? integer(body, "requestsPerMinute", 0) : null,
                    body.hasNonNull("tokensPerMinute") ? integer(body, "tokensPerMinute", 0) : null,
                    body.hasNonNull("dailyBudget") ? decimal(body, "dailyBudget") : null,
                    body.hasNonNull("monthlyBudget") ? decimal(body, "monthlyBudget") : null);
            admin.putQuota(q);
            return quota(q);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
    }

    @DELETE
    @Path("quotas/{tenant}")
    @RolesAllowed({Caller.OPERATOR})
    public Response deleteQuota(@PathParam("tenant") String tenant) {
        if (!admin.removeQuota(TenantId.of(tenant))) {
            throw ProblemException.notFound("no quota override for tenant " + tenant);
        }
        return Response.noContent().build();
    }

    /**
     * Usage per UTC day, tenant, route and deployment, {@code from}/{@code to} as yyyy-mm-dd (default: the last 30 days).
     * A tenant token sees only its own, without deployment names; {@code tenant=platform-scope} selects calls made
     * without a tenant.
     */
    @GET
    @Path("usage")
    public List<Map<String, Object>> usage(@Context SecurityContext security, @QueryParam("tenant") String tenant,
                                           @QueryParam("from") String from, @QueryParam("to") String to) {
        Caller caller = Caller.of(security);
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        LocalDate start;
        LocalDate end;
        try {
            end = to == null ? today : LocalDate.parse(to);
            start = from == null ? end.minusDays(30) : LocalDate.parse(from);
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest("from and to are dates as yyyy-mm-dd");
        }
        if (start.isAfter(end) || start.plusDays(400).isBefore(end)) {
            throw ProblemException.badRequest("from must be on or before to, at most 400 days apart");
        }
        boolean platformScope = "platform-scope".equals(tenant);
        Optional<TenantId> only = caller.tenantScope().isPresent() ? caller.tenantScope()
                : tenant == null || platformScope ? Optional.empty() : Optional.of(TenantId.of(tenant));
        boolean tenantView = caller.tenantScope().isPresent();
        Map<String, Map<String, Object>> rows = new LinkedHashMap<>();
        for (Usage u : admin.usage(only, start, end)) {
            if (platformScope && !tenantView && u.tenant() != null) {
                continue;
            }
            String deployment = tenantView ? null : u.deployment(); // deployment names are for operators and platform tokens
            String key = u.day() + "|" + u.tenant() + "|" + u.route() + "|" + deployment;
            Map<String, Object> m = rows.computeIfAbsent(key, k -> {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("day", u.day().toString());
                r.put("tenant", u.tenant() == null ? null : u.tenant().value());
                r.put("route", u.route());
                if (deployment != null) {
                    r.put("deployment", deployment);
                }
                r.put("requests", 0L);
                r.put("inputTokens", 0L);
                r.put("outputTokens", 0L);
                r.put("cost", 0.0);
                return r;
            });
            m.put("requests", (Long) m.get("requests") + u.requests());
            m.put("inputTokens", (Long) m.get("inputTokens") + u.inputTokens());
            m.put("outputTokens", (Long) m.get("outputTokens") + u.outputTokens());
            m.put("cost", Math.round(((Double) m.get("cost") + u.cost()) * 1e6) / 1e6);
        }
        return List.copyOf(rows.values());
    }
}
