package io.headroom.llm.internal.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.DirectEndpoint;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.LlmRouter;
import io.headroom.llm.api.Priority;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.ResponsesAnswer;
import io.headroom.llm.api.ResponsesRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * POST /api/llm/v1/responses, OpenAI's Responses API (what the Agents SDK uses by default). Deployments set to serve
 * it themselves ({@code responsesApi=native}) get the body as it was sent and answer in their own format, streamed
 * events included; for the others it is mapped onto the router's chat completions: {@code instructions} and message items become messages, function_call and
 * function_call_output items the assistant's tool calls and the tool results, flat function tools and tool_choice
 * the chat's, {@code text.format} the response_format, {@code max_output_tokens} the output limit; the answer is a
 * response object with message and function_call output items, streamed as Responses events (response.created,
 * output_item.added, output_text.delta, function_call_arguments.delta, ..., response.completed). A mapped call stores
 * nothing ({@code store} is answered false), so a call with {@code previous_response_id} or a hosted tool cannot be
 * mapped: only deployments that serve the Responses API take it, and without one it is refused. The router fails over
 * between both kinds before the first byte; limits and tenant accounting are the chat's (usage from the answer's
 * {@code usage}).
 */
@Component(service = DirectEndpoint.class, property = DirectEndpoint.PATH + "=/llm/v1/responses")
public final class ResponsesEndpoint implements DirectEndpoint {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Fields mapped here; every other one goes on to the chat request as a parameter. */
    private static final Set<String> MAPPED = Set.of("model", "input", "instructions", "tools", "tool_choice", "max_output_tokens",
            "text", "stream", "store", "previous_response_id", "truncation", "include", "reasoning");

    private final LlmRouter router;

    @Activate
    public ResponsesEndpoint(@Reference LlmRouter router) {
        this.router = router;
    }

    @Override
    public void serve(Caller caller, Exchange exchange) throws IOException {
        ErrorEnvelope.answerOrError(exchange, () -> answer(caller, exchange));
    }

    /** The Responses request as a Chat Completions body (then read as any chat request is). */
    static ObjectNode chatBody(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ProblemException.badRequest("the body must be a JSON object");
        }
        if (body.hasNonNull("previous_response_id")) {
            throw ProblemException.badRequest("'previous_response_id' is not supported: the gateway stores no responses; send the whole input");
        }
        ObjectNode chat = JSON.createObjectNode();
        chat.set("model", body.path("model"));
        ArrayNode messages = chat.putArray("messages");
        if (body.hasNonNull("instructions")) {
            messages.addObject().put("role", "developer").put("content", body.get("instructions").asText());
        }
        JsonNode input = body.path("input");
        if (input.isTextual()) {
            messages.addObject().put("role", "user").put("content", input.asText());
        } else if (input.isArray()) {
            for (JsonNode item : input) {
                item(item, messages);
            }
        } else {
            throw ProblemException.badRequest("'input' must be a string or an array of input items");
        }
        if (body.hasNonNull("max_output_tokens")) {
            chat.set("max_completion_tokens", body.get("max_output_tokens"));
        }
        if (body.path("tools").isArray() && !body.path("tools").isEmpty()) {
            ArrayNode tools = chat.putArray("tools");
            for (JsonNode t : body.get("tools")) {
                if (!t.path("type").asText().equals("function")) {
                    throw ProblemException.badRequest("tool type '" + t.path("type").asText() + "' is not supported (function tools are)");
                }
                ObjectNode f = tools.addObject().put("type", "function").putObject("function");
                for (String field : List.of("name", "description", "parameters", "strict")) {
                    if (t.hasNonNull(field)) {
                        f.set(field, t.get(field));
                    }
                }
            }
        }
        JsonNode choice = body.path("tool_choice");
        if (choice.isTextual()) {
            chat.set("tool_choice", choice);
        } else if (choice.path("type").asText().equals("function")) {
            chat.putObject("tool_choice").put("type", "function").putObject("function").set("name", choice.path("name"));
        } else if (!choice.isMissingNode() && !choice.isNull()) {
            throw ProblemException.badRequest("'tool_choice' must be auto, none, required or {\"type\":\"function\",\"name\":...}");
        }
        JsonNode format = body.path("text").path("format");
        if (format.isObject() && !format.path("type").asText().equals("text")) {
            ObjectNode rf = chat.putObject("response_format").put("type", format.path("type").asText());
            if (format.path("type").asText().equals("json_schema")) {
                ObjectNode schema = rf.putObject("json_schema");
                for (String field : List.of("name", "schema", "strict", "description")) {
                    if (format.hasNonNull(field)) {
                        schema.set(field, format.get(field));
                    }
                }
            }
        }
        if (body.path("stream").asBoolean(false)) {
            chat.put("stream", true);
        }
        Iterator<Map.Entry<String, JsonNode>> fields = body.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            if (!MAPPED.contains(f.getKey())) {
                chat.set(f.getKey(), f.getValue()); // temperature, top_p, parallel_tool_calls, user, metadata, unknown ones
            }
        }
        return chat;
    }

    private static void item(JsonNode item, ArrayNode messages) {
        String type = item.path("type").asText("message");
        switch (type) {
            case "message" -> {
                ObjectNode m = messages.addObject().put("role", item.path("role").asText("user"));
                JsonNode content = item.path("content");
                if (content.isTextual()) {
                    m.put("content", content.asText());
                    return;
                }
                ArrayNode parts = m.putArray("content");
                for (JsonNode part : content) {
                    switch (part.path("type").asText()) {
                        case "input_text", "output_text", "text" -> parts.addObject().put("type", "text").set("text", part.path("text"));
                        case "input_image" -> {
                            ObjectNode image = parts.addObject().put("type", "image_url").putObject("image_url");
                            image.set("url", part.path("image_url"));
                            if (part.hasNonNull("detail")) {
                                image.set("detail", part.get("detail"));
                            }
                        }
                        case "refusal" -> parts.addObject().put("type", "text").set("text", part.path("refusal"));
                        default -> throw ProblemException.badRequest("content type '" + part.path("type").asText() + "' is not supported");
                    }
                }
                if (!m.path("role").asText().equals("user")) {
                    StringBuilder text = new StringBuilder(); // only user messages take parts everywhere: join the text
                    parts.forEach(p -> text.append(p.path("text").asText("")));
                    m.put("content", text.toString());
                }
            }
            case "function_call" -> {
                ObjectNode last = messages.isEmpty() ? null : (ObjectNode) messages.get(messages.size() - 1);
                if (last == null || !last.path("role").asText().equals("assistant") || !last.has("tool_calls")) {
                    if (last != null && last.path("role").asText().equals("assistant") && !last.has("tool_calls")) {
                        // a message item then its calls: one assistant turn
                    } else {
                        last = messages.addObject().put("role", "assistant").putNull("content");
                    }
                }
                ArrayNode calls = last.has("tool_calls") ? (ArrayNode) last.get("tool_calls") : last.putArray("tool_calls");
                calls.addObject().put("id", item.path("call_id").asText()).put("type", "function").putObject("function")
                        .put("name", item.path("name").asText()).put("arguments", item.path("arguments").asText("{}"));
            }
            case "function_call_output" -> {
                JsonNode output = item.path("output");
                messages.addObject().put("role", "tool").put("tool_call_id", item.path("call_id").asText())
                        .put("content", output.isTextual() ? output.asText() : output.toString());
            }
            case "reasoning" -> {
                // a reasoning item another model produced: not translatable, and not needed to continue
            }
            default -> throw ProblemException.badRequest("input item type '" + type + "' is not supported");
        }
    }

    private void answer(Caller caller, Exchange exchange) throws IOException {
        byte[] raw = exchange.body().readAllBytes();
        JsonNode body;
        try {
            body = JSON.readTree(raw);
        } catch (IOException e) {
            throw ProblemException.badRequest("malformed JSON: " + e.getMessage());
        }
        if (body == null || !body.isObject()) {
            throw ProblemException.badRequest("the body must be a JSON object");
        }
        if (!body.path("model").isTextual() || body.path("model").asText().isEmpty()) {
            throw ProblemException.badRequest("'model' (a route name) is required");
        }
        String route = body.get("model").asText();
        boolean stream = body.path("stream").asBoolean(false);
        ResponsesRequest request = request(new String(raw, StandardCharsets.UTF_8), body);
        TenantId tenant = ChatEndpoint.tenant(caller, exchange);
        Priority priority = LlmResource.priority(exchange.header("X-Headroom-Priority"));
        Duration timeout = ChatEndpoint.timeout(exchange);
        boolean tenantCaller = caller.tenantScope().isPresent();
        ResponsesShape shape = new ResponsesShape("resp_" + UUID.randomUUID().toString().replace("-", ""), route,
                System.currentTimeMillis() / 1000, body);
        if (stream) {
            stream(exchange, shape, tenant, priority, request, timeout, tenantCaller);
            return;
        }
        ResponsesAnswer r;
        try {
            r = router.respond(tenant, priority, route, request, timeout);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        } catch (ProviderException e) {
            throw LlmResource.problem(e, tenantCaller);
        }
        exchange.status(200);
        if (!tenantCaller) {
            exchange.header("X-Headroom-Deployment", r.response().deployment());
        }
        try (OutputStream out = exchange.output("application/json")) {
            if (r.passedThrough()) {
                out.write(r.body().getBytes(StandardCharsets.UTF_8));
            } else {
                JSON.writeValue(out, shape.answer(r.response()));
            }
        }
    }

    /**
     * The call for the router: the body as sent (for deployments that serve the Responses API) and its mapping onto
     * chat completions, or why it has none (then only those deployments may take it).
     */
    static ResponsesRequest request(String raw, JsonNode body) throws IOException {
        ChatRequest mapped;
        try {
            mapped = ChatBodyReader.read(chatBody(body)).request();
        } catch (ProblemException e) {
            int maxOutput = body.path("max_output_tokens").canConvertToInt() ? Math.max(1, body.get("max_output_tokens").asInt()) : 1024;
            return new ResponsesRequest(raw, null, e.detail(), (int) Math.min(Integer.MAX_VALUE / 2, raw.length() / 4L + 1 + maxOutput),
                    previous(body));
        }
        return ResponsesRequest.of(raw, mapped);
    }

    /** The response a call continues (its {@code previous_response_id}), null when none. */
    private static String previous(JsonNode body) {
        return body.path("previous_response_id").isTextual() ? body.get("previous_response_id").asText() : null;
    }

    private void stream(Exchange exchange, ResponsesShape shape, TenantId tenant, Priority priority, ResponsesRequest request,
                        Duration timeout, boolean tenantCaller) throws IOException {
        ResponsesStreamWriter writer = new ResponsesStreamWriter(exchange, shape, tenantCaller);
        try {
            router.streamResponses(tenant, priority, shape.route, request, timeout, writer);
        } catch (ProviderException | IllegalArgumentException e) {
            if (!writer.started()) {
                throw e instanceof ProviderException p ? LlmResource.problem(p, tenantCaller) : ProblemException.badRequest(e.getMessage());
            }
            writer.failed(e instanceof ProviderException p ? p : new ProviderException(e.getMessage(), 400, false, 0, e));
        }
    }
}
