package io.headroom.llm.internal.rest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.llm.api.ChatMessage;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ContentPart;
import io.headroom.llm.api.ResponseFormat;
import io.headroom.llm.api.Tool;
import io.headroom.llm.api.ToolCall;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An OpenAI Chat Completions body read into the router's request with a streaming JSON parser (JSON trees only for
 * the small nested parts: tools, tool choice, response format, content parts, tool calls). A refusal names what is
 * wrong (400).
 */
final class ChatBodyReader {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory JSON = MAPPER.getFactory();

    private ChatBodyReader() {
    }

    /** What the request body says, before validation into a {@link ChatRequest}. */
    static final class Body {
        String model;
        List<ChatMessage> messages;
        Integer maxTokens;
        Integer maxCompletionTokens;
        Double temperature;
        boolean stream;
        boolean includeUsage;
        List<Tool> tools;
        String toolChoice;
        ResponseFormat responseFormat;
        final Map<String, String> parameters = new LinkedHashMap<>();

        /** The router's request; a refusal names what is wrong. */
        ChatRequest request() {
            if (model == null || model.isEmpty()) {
                throw ProblemException.badRequest("'model' (a route name) is required");
            }
            if (messages == null || messages.isEmpty()) {
                throw ProblemException.badRequest("'messages' must be a non-empty array");
            }
            if (stream) { // a stream has room for one choice and no log probabilities: refused, never cut to what fits
                String n = parameters.get("n");
                String refused = n != null && !n.equals("1") && !n.equals("null") ? "n"
                        : "true".equals(parameters.get("logprobs")) ? "logprobs"
                        : parameters.containsKey("top_logprobs") && !parameters.get("top_logprobs").equals("null") ? "top_logprobs" : null;
                if (refused != null) {
                    throw new OpenAiProblem(400, "'" + refused + "' is answered only without streaming",
                            io.headroom.llm.api.ProviderException.UNSUPPORTED_PARAMETER, refused);
                }
            }
            try {
                boolean noLimit = maxTokens == null && maxCompletionTokens == null;
                return new ChatRequest(messages, maxTokens != null ? maxTokens : noLimit ? ChatRequest.DEFAULT_MAX_TOKENS : maxCompletionTokens,
                        temperature, tools, toolChoice, responseFormat, parameters, noLimit);
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest(e.getMessage());
            }
        }
    }

    /**
     * Reads an OpenAI Chat Completions body: messages (text or content parts, developer, tool calls and tool
     * results), tools, tool_choice, response_format, stream_options; every other field (stop, seed, top_p,
     * max_completion_tokens, unknown ones ...) is kept as JSON text for the adapters, which honour it or say they cannot.
     */
    static Body read(InputStream in) throws IOException {
        Body b = new Body();
        try (JsonParser p = JSON.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw ProblemException.badRequest("the body must be a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.getCurrentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "model" -> b.model = t == JsonToken.VALUE_STRING ? p.getText() : "";
                    case "messages" -> b.messages = messages(p, t);
                    case "max_tokens" -> b.maxTokens = integer(p, t, field);
                    case "temperature" -> b.temperature = t == JsonToken.VALUE_NULL ? null : number(p, t, field);
                    case "stream" -> b.stream = t == JsonToken.VALUE_TRUE;
                    case "stream_options" -> b.includeUsage = p.<JsonNode>readValueAsTree().path("include_usage").asBoolean(false);
                    case "tools" -> b.tools = tools(p.readValueAsTree());
                    case "tool_choice" -> b.toolChoice = toolChoice(p.readValueAsTree());
                    case "response_format" -> b.responseFormat = responseFormat(p.readValueAsTree());
                    default -> {
                        if (field.equals("max_completion_tokens")) {
                            b.maxCompletionTokens = integer(p, t, field);
                            b.parameters.put(field, b.maxCompletionTokens == null ? "null" : b.maxCompletionTokens.toString());
                        } else {
                            b.parameters.put(field, p.readValueAsTree().toString());
                        }
                    }
                }
            }
        } catch (JsonParseException e) {
            throw ProblemException.badRequest("malformed JSON: " + e.getOriginalMessage());
        }
        return b;
    }

    /** The same request read from a JSON tree (the JAX-RS path). */
    static Body read(JsonNode body) throws IOException {
        return read(new java.io.ByteArrayInputStream(MAPPER.writeValueAsBytes(body)));
    }

    private static List<Tool> tools(JsonNode tools) {
        if (tools.isNull()) {
            return List.of();
        }
        if (!tools.isArray()) {
            throw ProblemException.badRequest("'tools' must be an array of {\"type\":\"function\",\"function\":{...}}");
        }
        List<Tool> out = new ArrayList<>();
        for (JsonNode t : tools) {
            JsonNode f = t.path("function");
            if (!t.path("type").asText("function").equals("function") || !f.path("name").isTextual()) {
                throw ProblemException.badRequest("each tool must be {\"type\":\"function\",\"function\":{\"name\":...}}; other tool types are not supported");
            }
            try {
                out.add(new Tool(f.get("name").asText(), f.hasNonNull("description") ? f.get("description").asText() : null,
                        f.hasNonNull("parameters") ? f.get("parameters").toString() : null,
                        f.hasNonNull("strict") ? f.get("strict").asBoolean() : null));
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest(e.getMessage());
            }
        }
        return out;
    }

    private static String toolChoice(JsonNode choice) {
        if (choice.isNull()) {
            return null;
        }
        if (choice.isTextual() && ChatRequest.TOOL_CHOICE_MODES.contains(choice.asText())) {
            return choice.asText();
        }
        if (choice.path("function").path("name").isTextual()) {
            return choice.path("function").path("name").asText();
        }
        throw ProblemException.badRequest("'tool_choice' must be auto, none, required or {\"type\":\"function\",\"function\":{\"name\":...}}");
    }

    private static ResponseFormat responseFormat(JsonNode format) {
        String type = format.path("type").asText("");
        if (format.isNull() || type.equals("text")) {
            return null;
        }
        JsonNode schema = format.path("json_schema");
        try {
            return new ResponseFormat(type, schema.path("name").asText(null),
                    schema.hasNonNull("schema") ? schema.get("schema").toString() : null,
                    schema.hasNonNull("strict") ? schema.get("strict").asBoolean() : null);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
    }

    private static List<ChatMessage> messages(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            throw ProblemException.badRequest("'messages' must be a non-empty array");
        }
        List<ChatMessage> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw ProblemException.badRequest("each message needs a 'role' and a 'content'");
            }
            String role = null;
            String content = null;
            List<ContentPart> parts = null;
            List<ToolCall> calls = null;
            String toolCallId = null;
            String name = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.getCurrentName();
                JsonToken v = p.nextToken();
                switch (field) {
                    case "role" -> role = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "content" -> {
                        if (v == JsonToken.VALUE_STRING) {
                            content = p.getText();
                        } else if (v == JsonToken.START_ARRAY) {
                            parts = parts(p.readValueAsTree());
                        } else if (v != JsonToken.VALUE_NULL) {
                            throw ProblemException.badRequest("a message's 'content' is text, an array of content parts or null");
                        }
                    }
                    case "tool_calls" -> calls = toolCalls(p.readValueAsTree());
                    case "tool_call_id" -> toolCallId = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "name" -> name = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    default -> p.skipChildren();
                }
            }
            if (role == null) {
                throw ProblemException.badRequest("each message needs a 'role' and a 'content'");
            }
            try {
                out.add(new ChatMessage(role, content, parts, calls, toolCallId, name));
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest(e.getMessage());
            }
        }
        return out;
    }

    private static List<ContentPart> parts(JsonNode parts) {
        List<ContentPart> out = new ArrayList<>();
        for (JsonNode part : parts) {
            String type = part.path("type").asText("");
            try {
                switch (type) {
                    case "text" -> out.add(ContentPart.text(part.path("text").asText(null)));
                    case "image_url" -> {
                        JsonNode image = part.path("image_url");
                        String url = image.isTextual() ? image.asText() : image.path("url").asText(null);
                        out.add(ContentPart.image(url, image.hasNonNull("detail") ? image.get("detail").asText() : null));
                    }
                    default -> throw ProblemException.badRequest("content part type '" + type
                            + "' is not supported (text and image_url are)");
                }
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest(e.getMessage());
            }
        }
        return out;
    }

    private static List<ToolCall> toolCalls(JsonNode calls) {
        if (calls.isNull()) {
            return List.of();
        }
        List<ToolCall> out = new ArrayList<>();
        for (JsonNode c : calls) {
            JsonNode f = c.path("function");
            if (!c.path("id").isTextual() || !f.path("name").isTextual()) {
                throw ProblemException.badRequest("each tool call needs an 'id' and a function 'name'");
            }
            out.add(new ToolCall(c.get("id").asText(), f.get("name").asText(), f.path("arguments").asText("{}")));
        }
        return out;
    }

    private static Integer integer(JsonParser p, JsonToken t, String field) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw ProblemException.badRequest("'" + field + "' must be a whole number");
        }
        return p.getIntValue();
    }

    private static Double number(JsonParser p, JsonToken t, String field) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
            throw ProblemException.badRequest("'" + field + "' must be a number");
        }
        return p.getDoubleValue();
    }
}
