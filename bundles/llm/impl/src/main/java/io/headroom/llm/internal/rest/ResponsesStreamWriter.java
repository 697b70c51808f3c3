package io.headroom.llm.internal.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.headroom.core.api.rest.DirectEndpoint.Exchange;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.StreamListener;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A Responses API stream as SSE. Nothing is sent before the first token or event (a refusal or failure before it gets
 * a real status). A deployment that serves the Responses API sends its own events, passed on as they come; for a
 * mapped one the events are built here from the chat stream: response.created and response.in_progress, an output item
 * per message or function call with its deltas, and response.completed. A failure after the start is an error event
 * then response.failed, in the gateway's words for tenants.
 */
final class ResponsesStreamWriter implements StreamListener {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = ResponsesShape.JSON;
    private final Exchange exchange;
    private final ResponsesShape shape;
    private final boolean tenantCaller;
    private String deployment;
    private OutputStream out;
    private int sequence;
    private final List<ObjectNode> items = new ArrayList<>();
    private int textItem = -1;
    private final StringBuilder text = new StringBuilder();
    private final List<Integer> toolItems = new ArrayList<>();
    private boolean passedThrough;

    ResponsesStreamWriter(Exchange exchange, ResponsesShape shape, boolean tenantCaller) {
        this.exchange = exchange;
        this.shape = shape;
        this.tenantCaller = tenantCaller;
    }

    @Override
    public void started(String deployment, String model) {
        this.deployment = deployment;
    }

    /** The status and headers, once; mapped streams open with response.created and response.in_progress. */
    private void open(boolean mapped) throws IOException {
        if (out != null) {
            return;
        }
        exchange.status(200);
        exchange.header("Cache-Control", "no-cache");
        if (!tenantCaller && deployment != null) { // deployment names are for operators and platform tokens
            exchange.header("X-Headroom-Deployment", deployment);
        }
        out = exchange.output("text/event-stream");
        if (mapped) {
            emit("response.created", JSON.createObjectNode().set("response", shape.response("in_progress", List.of(), null)));
            emit("response.in_progress", JSON.createObjectNode().set("response", shape.response("in_progress", List.of(), null)));
        }
    }

    private void send(String type, ObjectNode data) {
        try {
            open(true);
            emit(type, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the client went away
        }
    }

    private void emit(String type, ObjectNode data) throws IOException {
        ObjectNode event = JSON.createObjectNode().put("type", type).put("sequence_number", sequence++);
        event.setAll(data);
        write(type, event.toString());
    }

    private void write(String type, String data) throws IOException {
        out.write(("event: " + type + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** An event of the deployment's own stream, as it came. */
    @Override
    public void event(String type, String data) {
        try {
            passedThrough = true;
            open(false);
            sequence++;
            write(type, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
            added.set("part", ResponsesShape.textPart(""));
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
        if (passedThrough) {
            return; // the deployment's own response.completed went out already
        }
        List<JsonNode> done = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            ObjectNode item = items.get(i).put("status", "completed");
            String itemId = item.get("id").asText();
            if (i == textItem) {
                ObjectNode textDone = at(i).put("item_id", itemId).put("content_index", 0).put("text", text.toString());
                textDone.putArray("logprobs");
                send("response.output_text.done", textDone);
                send("response.content_part.done", (ObjectNode) at(i).put("item_id", itemId).put("content_index", 0)
                        .set("part", ResponsesShape.textPart(text.toString())));
                item.withArray("content").add(ResponsesShape.textPart(text.toString()));
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
                .put("message", "the answer was cut off: " + LlmResource.message(error, tenantCaller)).putNull("param"));
        ObjectNode failed = shape.response("failed", List.of(), null);
        failed.putObject("error").put("code", "server_error").put("message", "the answer was cut off");
        send("response.failed", JSON.createObjectNode().set("response", failed));
    }

    boolean started() {
        return out != null;
    }
}
