package io.headroom.llm.internal.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.core.api.rest.RestResource;
import io.headroom.llm.api.ChatMessage;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.DeploymentStatus;
import io.headroom.llm.api.LlmAdmin;
import io.headroom.llm.api.LlmRouter;
import io.headroom.llm.api.Priority;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.StreamListener;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.annotation.security.RolesAllowed;
import javax.ws.rs.Consumes;
import javax.ws.rs.GET;
import javax.ws.rs.HeaderParam;
import javax.ws.rs.POST;
import javax.ws.rs.Path;
import javax.ws.rs.PathParam;
import javax.ws.rs.Produces;
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

    /** Parses an OpenAI request leniently: clients send fields this gateway does not use (n, top_p, user ...). */
    static ChatRequest chatRequest(JsonNode body) {
        if (!body.path("messages").isArray() || body.path("messages").isEmpty()) {
            throw ProblemException.badRequest("'messages' must be a non-empty array");
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonNode m : body.path("messages")) {
            if (!m.path("role").isTextual() || !m.path("content").isTextual()) {
                throw ProblemException.badRequest("each message needs a 'role' and a text 'content'");
            }
            try {
                messages.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest(e.getMessage());
            }
        }
        int maxTokens = body.path("max_tokens").asInt(body.path("max_completion_tokens").asInt(1024));
        Double temperature = body.hasNonNull("temperature") ? body.get("temperature").asDouble() : null;
        try {
            return new ChatRequest(messages, maxTokens, temperature);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
    }

    private static TenantId tenant(SecurityContext security, String header) {
        Caller caller = Caller.of(security);
        if (caller.tenantScope().isPresent()) {
            return caller.tenantScope().get();
        }
        return TenantId.of(header == null ? "platform" : header);
    }

    private static Priority priority(String header) {
        if (header == null || header.equalsIgnoreCase("interactive")) {
            return Priority.INTERACTIVE;
        }
        if (header.equalsIgnoreCase("background")) {
            return Priority.BACKGROUND;
        }
        throw ProblemException.badRequest("X-Headroom-Priority must be interactive or background");
    }

    @POST
    @Path("v1/chat/completions")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response chat(JsonNode body, @Context SecurityContext security, @HeaderParam("X-Headroom-Tenant") String tenantHeader,
                         @HeaderParam("X-Headroom-Priority") String priorityHeader,
                         @HeaderParam("X-Headroom-Timeout-Ms") Long timeoutHeader) {
        if (timeoutHeader != null && (timeoutHeader < 1 || timeoutHeader > 600_000)) {
            throw ProblemException.badRequest("X-Headroom-Timeout-Ms must be 1-600000");
        }
        Duration timeout = timeoutHeader == null ? TIMEOUT : Duration.ofMillis(timeoutHeader);
        String route = body.path("model").asText("");
        if (route.isEmpty()) {
            throw ProblemException.badRequest("'model' (a route name) is required");
        }
        ChatRequest request = chatRequest(body);
        TenantId tenant = tenant(security, tenantHeader);
        Priority priority = priority(priorityHeader);
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        if (body.path("stream").asBoolean(false)) {
            StreamingOutput sse = out -> stream(out, id, route, tenant, priority, request, timeout);
            return Response.ok(sse, "text/event-stream").header("Cache-Control", "no-cache").build();
        }
        try {
            ChatResponse r = router.complete(tenant, priority, route, request, timeout);
            ObjectNode json = JSON.createObjectNode().put("id", id).put("object", "chat.completion")
                    .put("created", System.currentTimeMillis() / 1000).put("model", route);
            ObjectNode choice = json.putArray("choices").addObject().put("index", 0).put("finish_reason", r.finishReason());
            choice.putObject("message").put("role", "assistant").put("content", r.content());
            json.putObject("usage").put("prompt_tokens", r.promptTokens()).put("completion_tokens", r.completionTokens())
                    .put("total_tokens", r.promptTokens() + r.completionTokens());
            return Response.ok(json).header("X-Headroom-Deployment", r.deployment()).build();
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        } catch (ProviderException e) {
            throw problem(e);
        }
    }

    private static ProblemException problem(ProviderException e) {
        if (e.status() == 429 && !e.retryable()) {
            return ProblemException.tooManyRequests(e.getMessage(), (int) Math.max(1, e.retryAfterMillis() / 1000));
        }
        if (!e.retryable() && e.status() >= 400 && e.status() < 500) {
            return new ProblemException(e.status(), e.getMessage());
        }
        return ProblemException.unavailable(e.getMessage(), 1);
    }

    /** SSE in OpenAI's chunk format; a failure after the first token is an error event and no [DONE]. */
    private void stream(OutputStream out, String id, String route, TenantId tenant, Priority priority, ChatRequest request,
                        Duration timeout) throws IOException {
        long created = System.currentTimeMillis() / 1000;
        StreamListener writer = new StreamListener() {
            @Override
            public void token(String text) {
                ObjectNode chunk = chunk(id, created, route);
                chunk.withArray("choices").addObject().put("index", 0).putNull("finish_reason").putObject("delta").put("content", text);
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
                e.putObject("error").put("message", "the answer was cut off: " + error.getMessage()).put("type", "upstream_error");
                write(out, e.toString());
            }
        };
        try {
            router.stream(tenant, priority, route, request, timeout, writer);
        } catch (ProviderException | IllegalArgumentException e) {
            // nothing was streamed yet: the stream carries the error, since the status is already sent
            ObjectNode err = JSON.createObjectNode();
            err.putObject("error").put("message", e.getMessage()).put("type", e instanceof ProviderException ? "upstream_error" : "invalid_request_error");
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

    /** Routes with their strategy, candidates and headroom (load vs capacity over the last minute). */
    @GET
    @Path("routes")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<Map<String, Object>> routes() {
        return admin.routeStatuses().stream().map(r -> Map.<String, Object>of("name", r.name(), "strategy", r.strategy(),
                "deployments", r.deployments(), "requestsLastMinute", r.requestsLastMinute(), "capacityPerMinute",
                r.capacityPerMinute(), "headroomLow", r.low())).toList();
    }

    @GET
    @Path("deployments")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<DeploymentStatus> deployments() {
        return admin.deployments();
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
}
