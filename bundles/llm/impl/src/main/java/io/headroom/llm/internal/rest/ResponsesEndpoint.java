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
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.LlmRouter;
import io.headroom.llm.api.Priority;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.StreamListener;
import io.headroom.llm.api.ToolCall;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * POST /api/llm/v1/responses, OpenAI's Responses API (what the Agents SDK uses by default), mapped onto the router's
 * chat completions for every deployment: {@code instructions} and message items become messages, function_call and
 * function_call_output items the assistant's tool calls and the tool results, flat function tools and tool_choice
 * the chat's, {@code text.format} the response_format, {@code max_output_tokens} the output limit; the answer is a
 * response object with message and function_call output items, streamed as Responses events (response.created,
 * output_item.added, output_text.delta, function_call_arguments.delta, ..., response.completed). Nothing is stored:
 * {@code previous_response_id} is refused, {@code store} is answered false.
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
        ChatEndpoint.answerOrError(exchange, () -> answer(caller, exchange));
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
        JsonNode body;
        try {
            body = JSON.readTree(exchange.body());
        } catch (IOException e) {
            throw ProblemException.badRequest("malformed JSON: " + e.getMessage());
        }
        ObjectNode chat = chatBody(body);
        ChatEndpoint.Body parsed = ChatEndpoint.read(chat);
        ChatRequest request = parsed.request();
        TenantId tenant = ChatEndpoint.tenant(caller, exchange);
        Priority priority = LlmResource.priority(exchange.header("X-Headroom-Priority"));
        Duration timeout = ChatEndpoint.timeout(exchange);
        String route = parsed.model;
        Shape shape = new Shape("resp_" + UUID.randomUUID().toString().replace("-", ""), route, System.currentTimeMillis() / 1000, body);
        if (parsed.stream) {
            stream(exchange, shape, tenant, priority, request, timeout, Caller.TENANT.equals(caller.role()));
            return;
        }
        ChatResponse r;
        try {
            r = router.complete(tenant, priority, route, request, timeout);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        } catch (ProviderException e) {
            throw LlmResource.problem(e, Caller.TENANT.equals(caller.role()));
        }
        exchange.status(200);
        if (caller.tenantScope().isEmpty()) {
            exchange.header("X-Headroom-Deployment", r.deployment());
        }
        List<JsonNode> output = new ArrayList<>();
        if (!r.content().isEmpty() || r.toolCalls().isEmpty()) {
            output.add(shape.message("msg_" + shape.id.substring(5), r.content(), "completed"));
        }
        for (ToolCall c : r.toolCalls()) {
            output.add(shape.functionCall("fc_" + c.id(), c.id(), c.name(), c.arguments(), "completed"));
        }
        try (OutputStream out = exchange.output("application/json")) {
            JSON.writeValue(out, shape.response(r.finishReason().equals(ChatResponse.LENGTH) ? "incomplete" : "completed", output, r));
        }
    }

    /** The response object's fixed parts, echoed from the request as OpenAI does. */
    static final class Shape {
        final String id;
        final String route;
        final long created;
        final JsonNode request;

        Shape(String id, String route, long created, JsonNode request) {
            this.id = id;
            this.route = route;
            this.created = created;
            this.request = request;
        }

        ObjectNode response(String status, List<JsonNode> output, ChatResponse r) {
            ObjectNode o = JSON.createObjectNode().put("id", id).put("object", "response").put("created_at", created)
                    .put("status", status).put("model", route);
            o.putNull("error");
            if (status.equals("incomplete")) {
                o.putObject("incomplete_details").put("reason", "max_output_tokens");
            } else {
                o.putNull("incomplete_details");
            }
            o.set("instructions", request.path("instructions").isMissingNode() ? JSON.nullNode() : request.get("instructions"));
            o.set("max_output_tokens", request.path("max_output_tokens").isMissingNode() ? JSON.nullNode() : request.get("max_output_tokens"));
            o.set("metadata", request.path("metadata").isObject() ? request.get("metadata") : JSON.createObjectNode());
            o.putArray("output").addAll(output);
            o.put("parallel_tool_calls", request.path("parallel_tool_calls").asBoolean(true));
            o.putNull("previous_response_id");
            o.putNull("reasoning");
            o.put("store", false);
            o.set("temperature", request.path("temperature").isMissingNode() ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.numberNode(1.0) : request.get("temperature"));
            o.set("text", request.path("text").isObject() ? request.get("text") : JSON.createObjectNode().set("format",
                    JSON.createObjectNode().put("type", "text")));
            o.set("tool_choice", request.path("tool_choice").isMissingNode() ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.textNode("auto") : request.get("tool_choice"));
            o.set("tools", request.path("tools").isArray() ? request.get("tools") : JSON.createArrayNode());
            o.set("top_p", request.path("top_p").isMissingNode() ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.numberNode(1.0) : request.get("top_p"));
            o.put("truncation", "disabled");
            if (r == null) {
                o.putNull("usage");
            } else {
                ObjectNode usage = o.putObject("usage").put("input_tokens", r.promptTokens());
                usage.putObject("input_tokens_details").put("cached_tokens", 0);
                usage.put("output_tokens", r.completionTokens());
                usage.putObject("output_tokens_details").put("reasoning_tokens", 0);
                usage.put("total_tokens", r.promptTokens() + r.completionTokens());
            }
            return o;
        }

        ObjectNode message(String itemId, String text, String status) {
            ObjectNode m = JSON.createObjectNode().put("type", "message").put("id", itemId).put("status", status).put("role", "assistant");
            ArrayNode content = m.putArray("content");
            if (text != null) {
                content.add(textPart(text));
            }
            return m;
        }

        static ObjectNode textPart(String text) {
            ObjectNode part = JSON.createObjectNode().put("type", "output_text").put("text", text);
            part.putArray("annotations");
            part.putArray("logprobs");
            return part;
        }

        ObjectNode functionCall(String itemId, String callId, String name, String arguments, String status) {
            return JSON.createObjectNode().put("type", "function_call").put("id", itemId).put("call_id", callId).put("name", name)
                    .put("arguments", arguments).put("status", status);
        }
    }

    /**
     * Responses streaming events. Nothing is sent before the first token (a refusal or failure before it gets a real
     * status); then response.created and response.in_progress, an output item per message or function call with its
     * deltas, and response.completed; a failure after the first token is an error event then response.failed.
     */
    private void stream(Exchange exchange, Shape shape, TenantId tenant, Priority priority, ChatRequest request, Duration timeout,
            boolean tenantCaller)
            throws IOException {
        final class Writer implements StreamListener {
            private OutputStream out;
            private int sequence;
            private final List<ObjectNode> items = new ArrayList<>();
            private int textItem = -1;
            private final StringBuilder text = new StringBuilder();
            private final List<Integer> toolItems = new ArrayList<>();

            private void send(String type, ObjectNode data) {
                try {
                    if (out == null) {
                        exchange.status(200);
                        exchange.header("Cache-Control", "no-cache");
                        out = exchange.output("text/event-stream");
                        emit("response.created", JSON.createObjectNode().set("response", shape.response("in_progress", List.of(), null)));
                        emit("response.in_progress", JSON.createObjectNode().set("response", shape.response("in_progress", List.of(), null)));
                    }
                    emit(type, data);
                } catch (IOException e) {
                    throw new UncheckedIOException(e); // the client went away
                }
            }

            private void emit(String type, ObjectNode data) throws IOException {
                ObjectNode event = JSON.createObjectNode().put("type", type).put("sequence_number", sequence++);
                event.setAll(data);
                out.write(("event: " + type + "\ndata: " + event + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }

            private ObjectNode at(int index) {
                return JSON.createObjectNode().put("output_index", index);
            }

            @Override
            public void token(String delta) {
                if (textItem < 0) {
                    textItem = items.size();
                    ObjectNode item = shape.message("msg_" + shape.id.substring(5), null, "in_progress");
                    items.add(item);
                    send("response.output_item.added", at(textItem).set("item", item.deepCopy()));
                    ObjectNode added = at(textItem).put("item_id", item.get("id").asText()).put("content_index", 0);
                    added.set("part", Shape.textPart(""));
                    send("response.content_part.added", added);
                }
                text.append(delta);
                ObjectNode d = at(textItem).put("item_id", items.get(textItem).get("id").asText()).put("content_index", 0).put("delta", delta);
                d.putArray("logprobs");
                send("response.output_text.delta", d);
            }

            @Override
            public void toolCall(int index, String callId, String name, String arguments) {
                if (index >= toolItems.size()) {
                    toolItems.add(items.size());
                    ObjectNode item = shape.functionCall("fc_" + callId, callId, name, "", "in_progress");
                    items.add(item);
                    send("response.output_item.added", at(items.size() - 1).set("item", item.deepCopy()));
                }
                int output = toolItems.get(index);
                ObjectNode item = items.get(output);
                if (arguments != null && !arguments.isEmpty()) {
                    item.put("arguments", item.get("arguments").asText() + arguments);
                    send("response.function_call_arguments.delta", at(output).put("item_id", item.get("id").asText()).put("delta", arguments));
                }
            }

            @Override
            public void completed(ChatResponse response) {
                List<JsonNode> done = new ArrayList<>();
                for (int i = 0; i < items.size(); i++) {
                    ObjectNode item = items.get(i).put("status", "completed");
                    String itemId = item.get("id").asText();
                    if (i == textItem) {
                        ObjectNode textDone = at(i).put("item_id", itemId).put("content_index", 0).put("text", text.toString());
                        textDone.putArray("logprobs");
                        send("response.output_text.done", textDone);
                        send("response.content_part.done", (ObjectNode) at(i).put("item_id", itemId).put("content_index", 0)
                                .set("part", Shape.textPart(text.toString())));
                        item.withArray("content").add(Shape.textPart(text.toString()));
                    } else {
                        send("response.function_call_arguments.done", at(i).put("item_id", itemId)
                                .put("name", item.get("name").asText()).put("arguments", item.get("arguments").asText()));
                    }
                    send("response.output_item.done", at(i).set("item", item));
                    done.add(item);
                }
                if (items.isEmpty()) {
                    // an empty answer still has its message
                    token("");
                    completed(response);
                    return;
                }
                String status = response.finishReason().equals(ChatResponse.LENGTH) ? "incomplete" : "completed";
                send("response." + status, JSON.createObjectNode().set("response", shape.response(status, done, response)));
            }

            @Override
            public void failed(ProviderException error) {
                send("error", JSON.createObjectNode().put("code", "server_error")
                        .put("message", "the answer was cut off" + LlmResource.cutOffDetail(error, tenantCaller)).putNull("param"));
                ObjectNode failed = shape.response("failed", List.of(), null);
                failed.putObject("error").put("code", "server_error").put("message", "the answer was cut off");
                send("response.failed", JSON.createObjectNode().set("response", failed));
            }

            boolean started() {
                return out != null;
            }
        }
        Writer writer = new Writer();
        try {
            router.stream(tenant, priority, shape.route, request, timeout, writer);
        } catch (ProviderException | IllegalArgumentException e) {
            if (!writer.started()) {
                throw e instanceof ProviderException p ? LlmResource.problem(p, tenantCaller) : ProblemException.badRequest(e.getMessage());
            }
            writer.failed(e instanceof ProviderException p ? p : new ProviderException(e.getMessage(), 400, false, 0, e));
        }
    }
}
