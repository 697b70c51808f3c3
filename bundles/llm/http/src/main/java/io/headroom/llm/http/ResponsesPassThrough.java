package io.headroom.llm.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.ResponseAffinity;
import io.headroom.llm.api.ResponsesAnswer;
import io.headroom.llm.api.ResponsesRequest;
import io.headroom.llm.api.StreamListener;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * OpenAI's Responses API passed through to a server that serves {@code POST {endpoint}/responses} itself: the client's
 * body goes as it is with the deployment's model; the answer comes back with the model the client named (the route),
 * and its {@code usage} (input and output tokens) is what the call is accounted at. A stream's events are passed on
 * as they come, except that its opening events ({@code response.created}, {@code response.in_progress},
 * {@code response.queued}) are held until the first event that carries output: a server that fails before it still
 * fails over invisibly. An {@code error} or {@code response.failed} event is the deployment's failure (its text is the
 * provider's, never passed on as it is); a stream that ends without {@code response.completed} or
 * {@code response.incomplete} is a broken one.
 */
public final class ResponsesPassThrough {
    private static final Set<String> OPENING = Set.of("response.created", "response.in_progress", "response.queued");
    private final HttpProvider http;

    public ResponsesPassThrough(HttpProvider http) {
        this.http = http;
    }

    /** The client's body for the deployment: its model, streamed or not; and the model name the client used. */
    private static ObjectNode body(Deployment d, ResponsesRequest request, boolean stream, String[] clientModel) {
        JsonNode body;
        try {
            body = HttpProvider.JSON.readTree(request.body());
        } catch (JsonProcessingException e) {
            throw new ProviderException("not valid JSON: " + e.getOriginalMessage(), 400, false, 0, null);
        }
        if (!(body instanceof ObjectNode o)) {
            throw new ProviderException("the body must be a JSON object", 400, false, 0, null);
        }
        clientModel[0] = o.path("model").asText("");
        o.put("model", d.model());
        if (o.path("previous_response_id").isTextual()) { // the deployment's own id, without the gateway's tag
            o.put("previous_response_id", ResponseAffinity.untagged(o.get("previous_response_id").asText()));
        }
        o.put("stream", stream);
        return o;
    }

    public ResponsesAnswer respond(Deployment d, ResponsesRequest request) {
        String[] model = new String[1];
        JsonNode answer = http.post(d, "/responses", body(d, request, false, model));
        if (!(answer instanceof ObjectNode o) || !o.path("output").isArray()) {
            throw new ProviderException(d.name() + ": malformed response: no output", 502, true, 0, null);
        }
        ChatResponse usage = usage(d, o);
        o.put("model", model[0]);
        if (o.path("id").isTextual()) { // a call continuing this response comes back to this deployment
            o.put("id", ResponseAffinity.tagged(o.get("id").asText(), d));
        }
        return new ResponsesAnswer(o.toString(), usage);
    }

    /** The deployment and the tokens a response object reports, for accounting. */
    private static ChatResponse usage(Deployment d, JsonNode response) {
        JsonNode usage = response.path("usage");
        return new ChatResponse("", response.path("status").asText().equals("incomplete") ? ChatResponse.LENGTH : ChatResponse.STOP,
                d.name(), response.path("model").asText(d.model()), usage.path("input_tokens").asInt(), usage.path("output_tokens").asInt());
    }

    public void stream(Deployment d, ResponsesRequest request, StreamListener listener) {
        String[] model = new String[1];
        InputStream in = http.open(d, http.request(d, "/responses", body(d, request, true, model), true));
        List<String[]> held = new ArrayList<>();
        boolean[] started = new boolean[1];
        String event = null;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith("event:")) {
                    event = line.substring(6).trim();
                    continue;
                }
                if (line.isEmpty()) {
                    event = null;
                }
                if (!line.startsWith("data:") || line.substring(5).trim().equals("[DONE]")) {
                    continue;
                }
                String data = line.substring(5).trim();
                JsonNode e = HttpProvider.JSON.readTree(data);
                String type = e.path("type").asText(event == null ? "" : event);
                if (type.equals("error") || type.equals("response.failed")) {
                    JsonNode error = type.equals("error") ? e : e.path("response").path("error");
                    throw new ProviderException(d.name() + ": " + error.path("message").asText(type), 502, true, 0, null);
                }
                if (e.path("response") instanceof ObjectNode response) {
                    response.put("model", model[0]); // the route the client named
                    if (response.path("id").isTextual()) {
                        response.put("id", ResponseAffinity.tagged(response.get("id").asText(), d));
                    }
                    data = e.toString();
                }
                if (!started[0] && OPENING.contains(type)) {
                    held.add(new String[] {type, data});
                    continue;
                }
                deliver(d, listener, started, held, type, data);
                if (type.equals("response.completed") || type.equals("response.incomplete")) {
                    ChatResponse usage = usage(d, e.path("response"));
                    listener.completed(new ChatResponse("", usage.finishReason(), d.name(), d.model(), usage.promptTokens(),
                            usage.completionTokens()));
                    return;
                }
            }
            fail(started[0], listener, new ProviderException(d.name() + ": the stream ended before the response was complete",
                    502, true, 0, null));
        } catch (HttpProvider.ClientGone e) {
            throw e.failure; // closing the stream above aborted the upstream call; not the provider's failure
        } catch (ProviderException e) {
            fail(started[0], listener, e);
        } catch (IOException | RuntimeException e) {
            fail(started[0], listener, HttpProvider.broken(d, e));
        }
    }

    /** Passes an event on; the first one starts the stream, after the opening events held until then. */
    private static void deliver(Deployment d, StreamListener listener, boolean[] started, List<String[]> held, String type, String data) {
        try {
            if (!started[0]) {
                started[0] = true;
                listener.started(d.name(), d.model());
                for (String[] h : held) {
                    listener.event(h[0], h[1]);
                }
                held.clear();
            }
            listener.event(type, data);
        } catch (RuntimeException e) {
            throw new HttpProvider.ClientGone(e); // the client went away or failed: not a provider failure
        }
    }

    private static void fail(boolean started, StreamListener listener, ProviderException e) {
        if (!started) {
            throw e;
        }
        listener.failed(e);
    }
}
