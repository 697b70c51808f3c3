package io.headroom.llm.internal.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.headroom.llm.api.ChatResponse;
import java.util.List;

/**
 * A Responses API answer built from a chat completion (a deployment the call was mapped for): the response object's
 * fixed parts echoed from the request as OpenAI does, its message and function_call output items, its usage.
 */
final class ResponsesShape {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    final String id;
    final String route;
    final long created;
    final JsonNode request;

    ResponsesShape(String id, String route, long created, JsonNode request) {
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
        o.set("instructions", request.path("instructions").isMissingNode() ? NODES.nullNode() : request.get("instructions"));
        o.set("max_output_tokens", request.path("max_output_tokens").isMissingNode() ? NODES.nullNode() : request.get("max_output_tokens"));
        o.set("metadata", request.path("metadata").isObject() ? request.get("metadata") : JSON.createObjectNode());
        o.putArray("output").addAll(output);
        o.put("parallel_tool_calls", request.path("parallel_tool_calls").asBoolean(true));
        o.putNull("previous_response_id");
        o.putNull("reasoning");
        o.put("store", false);
        o.set("temperature", request.path("temperature").isMissingNode() ? NODES.numberNode(1.0) : request.get("temperature"));
        o.set("text", request.path("text").isObject() ? request.get("text") : JSON.createObjectNode().set("format",
                JSON.createObjectNode().put("type", "text")));
        o.set("tool_choice", request.path("tool_choice").isMissingNode() ? NODES.textNode("auto") : request.get("tool_choice"));
        o.set("tools", request.path("tools").isArray() ? request.get("tools") : JSON.createArrayNode());
        o.set("top_p", request.path("top_p").isMissingNode() ? NODES.numberNode(1.0) : request.get("top_p"));
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

    /** The whole answer of a chat completion as a response object. */
    ObjectNode answer(ChatResponse r) {
        List<JsonNode> output = new java.util.ArrayList<>();
        if (!r.content().isEmpty() || r.toolCalls().isEmpty()) {
            output.add(message("msg_" + id.substring(5), r.content(), "completed"));
        }
        for (io.headroom.llm.api.ToolCall c : r.toolCalls()) {
            output.add(functionCall("fc_" + c.id(), c.id(), c.name(), c.arguments(), "completed"));
        }
        return response(r.finishReason().equals(ChatResponse.LENGTH) ? "incomplete" : "completed", output, r);
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
