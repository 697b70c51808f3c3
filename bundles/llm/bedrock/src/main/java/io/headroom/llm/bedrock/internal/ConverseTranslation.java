package io.headroom.llm.bedrock.internal;

import io.headroom.llm.api.ChatMessage;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ContentPart;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.ResponseFormat;
import io.headroom.llm.api.Tool;
import io.headroom.llm.api.ToolCall;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrockruntime.model.AnyToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.AutoToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ImageBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ImageFormat;
import software.amazon.awssdk.services.bedrockruntime.model.ImageSource;
import software.amazon.awssdk.services.bedrockruntime.model.InferenceConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.JsonSchemaDefinition;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.OutputConfig;
import software.amazon.awssdk.services.bedrockruntime.model.OutputFormat;
import software.amazon.awssdk.services.bedrockruntime.model.OutputFormatStructure;
import software.amazon.awssdk.services.bedrockruntime.model.OutputFormatType;
import software.amazon.awssdk.services.bedrockruntime.model.SpecificToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.SystemContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.ToolConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.ToolInputSchema;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolSpecification;
import software.amazon.awssdk.services.bedrockruntime.model.ToolUseBlock;

/**
 * An OpenAI-shaped chat request as a Converse (or ConverseStream) request: messages as alternating turns with the
 * system prompt apart, tool calls and results as toolUse and toolResult blocks, images as bytes (an http(s) URL
 * fetched through {@link ImageFetcher}'s guard), tools and the tool choice as toolConfig, response_format json_schema as
 * outputConfig, the output limit, temperature, top_p and stop as inferenceConfig, metadata and user as requestMetadata;
 * and what Converse cannot take.
 */
final class ConverseTranslation {
    /**
     * OpenAI parameters this adapter maps; any other one the client sent is unsupported here. {@code store} is honoured
     * only as false (Bedrock keeps no completions to list later).
     */
    private static final Set<String> MAPPED = Set.of("stop", "top_p", "parallel_tool_calls", "max_completion_tokens", "n",
            "stream_options", "user", "metadata", "store");
    /** The key OpenAI's {@code user} gets among Converse's requestMetadata, unless the client's metadata has one. */
    static final String USER_KEY = "user";
    private final ImageFetcher images;

    ConverseTranslation(ImageFetcher images) {
        this.images = images;
    }

    ConverseRequest request(Deployment d, ChatRequest request) {
        ConverseRequest.Builder b = ConverseRequest.builder().modelId(d.model()).messages(messages(request))
                .inferenceConfig(inference(request));
        List<SystemContentBlock> system = system(request);
        if (!system.isEmpty()) {
            b.system(system);
        }
        ToolConfiguration tools = tools(request);
        if (tools != null) {
            b.toolConfig(tools);
        }
        OutputConfig output = output(request);
        if (output != null) {
            b.outputConfig(output);
        }
        Map<String, String> metadata = requestMetadata(request);
        if (!metadata.isEmpty()) {
            b.requestMetadata(metadata);
        }
        return b.build();
    }

    ConverseStreamRequest streamRequest(Deployment d, ChatRequest request) {
        ConverseStreamRequest.Builder b = ConverseStreamRequest.builder().modelId(d.model()).messages(messages(request))
                .inferenceConfig(inference(request));
        List<SystemContentBlock> system = system(request);
        if (!system.isEmpty()) {
            b.system(system);
        }
        ToolConfiguration tools = tools(request);
        if (tools != null) {
            b.toolConfig(tools);
        }
        OutputConfig output = output(request);
        if (output != null) {
            b.outputConfig(output);
        }
        Map<String, String> metadata = requestMetadata(request);
        if (!metadata.isEmpty()) {
            b.requestMetadata(metadata);
        }
        return b.build();
    }

    /**
     * What Converse cannot take: response_format json_object (json_schema maps to outputConfig), n above 1, parallel_tool_calls false, tool_choice none while the conversation
     * has tool calls (Converse has no "none"), store true (OpenAI's own storage), metadata that is not an object of
     * strings, and OpenAI-only parameters (seed, penalties, logprobs ...).
     */
    static List<String> unsupported(ChatRequest request) {
        List<String> out = new ArrayList<>();
        request.parameters().forEach((name, value) -> {
            if (!value.equals("null") && (!MAPPED.contains(name) || name.equals("n") && !value.equals("1")
                    || name.equals("parallel_tool_calls") && value.equals("false")
                    || name.equals("store") && !value.equals("false")
                    || name.equals("metadata") && !stringMap(value))) {
                out.add(name);
            }
        });
        if (request.responseFormat() != null && !request.responseFormat().type().equals(ResponseFormat.JSON_SCHEMA)) {
            out.add("response_format");
        }
        if ("none".equals(request.toolChoice()) && request.messages().stream().anyMatch(m -> !m.toolCalls().isEmpty())) {
            out.add("tool_choice");
        }
        return out;
    }

    /**
     * Bedrock wants alternating user/assistant turns with the system prompt apart, as Anthropic does: tool results
     * are toolResult blocks of a user turn, assistant tool calls toolUse blocks, consecutive turns of one role merged.
     */
    List<Message> messages(ChatRequest request) {
        List<Message> out = new ArrayList<>();
        ConversationRole lastRole = null;
        List<ContentBlock> blocks = null;
        for (ChatMessage m : request.messages()) {
            if (m.isInstruction()) {
                continue;
            }
            ConversationRole role = m.role().equals("assistant") ? ConversationRole.ASSISTANT : ConversationRole.USER;
            if (role != lastRole) {
                if (blocks != null && !blocks.isEmpty()) {
                    out.add(Message.builder().role(lastRole).content(blocks).build());
                }
                blocks = new ArrayList<>();
                lastRole = role;
            }
            content(m, blocks);
        }
        if (blocks != null && !blocks.isEmpty()) {
            out.add(Message.builder().role(lastRole).content(blocks).build());
        }
        return out;
    }

    private void content(ChatMessage m, List<ContentBlock> blocks) {
        if (m.role().equals("tool")) {
            blocks.add(ContentBlock.fromToolResult(ToolResultBlock.builder().toolUseId(m.toolCallId())
                    .content(ToolResultContentBlock.fromText(m.text())).build()));
            return;
        }
        if (m.parts().isEmpty()) {
            if (!m.text().isEmpty()) {
                blocks.add(ContentBlock.fromText(m.text()));
            }
        } else {
            for (ContentPart p : m.parts()) {
                if (!p.isImage()) {
                    blocks.add(ContentBlock.fromText(p.text()));
                } else {
                    blocks.add(ContentBlock.fromImage(image(p)));
                }
            }
        }
        for (ToolCall c : m.toolCalls()) {
            blocks.add(ContentBlock.fromToolUse(ToolUseBlock.builder().toolUseId(c.id()).name(c.name())
                    .input(Json.document(c.arguments())).build()));
        }
    }

    /** An image part as Converse wants it: the bytes, inline or fetched through the guard, and a format it takes. */
    private ImageBlock image(ContentPart p) {
        byte[] bytes;
        String type;
        if (p.isDataUrl()) {
            try {
                type = p.mediaType();
                bytes = Base64.getMimeDecoder().decode(p.base64Data());
            } catch (IllegalArgumentException e) {
                throw new ProviderException("an image data: URL is not valid base64: " + e.getMessage(), 400, false, 0, null);
            }
        } else {
            ImageFetcher.Image image = images.fetch(p.url());
            bytes = image.bytes();
            type = image.mediaType();
        }
        String format = type.startsWith("image/") ? type.substring(6) : type;
        if (format.equals("jpg")) {
            format = "jpeg";
        }
        if (!List.of("png", "jpeg", "gif", "webp").contains(format)) {
            throw new ProviderException("Bedrock takes png, jpeg, gif or webp images, not '" + type + "'", 400, false, 0, null);
        }
        return ImageBlock.builder().format(ImageFormat.fromValue(format)).source(ImageSource.fromBytes(SdkBytes.fromByteArray(bytes))).build();
    }

    /** The tools and the tool choice, or null when the request has none (or tool_choice none before any call). */
    static ToolConfiguration tools(ChatRequest request) {
        if (request.tools().isEmpty() || "none".equals(request.toolChoice())) {
            return null;
        }
        List<software.amazon.awssdk.services.bedrockruntime.model.Tool> tools = new ArrayList<>();
        for (Tool t : request.tools()) {
            ToolSpecification.Builder spec = ToolSpecification.builder().name(t.name())
                    .inputSchema(ToolInputSchema.fromJson(Json.document(t.parameters() == null ? "{\"type\":\"object\"}" : t.parameters())));
            if (t.description() != null) {
                spec.description(t.description());
            }
            tools.add(software.amazon.awssdk.services.bedrockruntime.model.Tool.fromToolSpec(spec.build()));
        }
        ToolConfiguration.Builder b = ToolConfiguration.builder().tools(tools);
        if (request.forcedTool() != null) {
            b.toolChoice(ToolChoice.fromTool(SpecificToolChoice.builder().name(request.forcedTool()).build()));
        } else if ("required".equals(request.toolChoice())) {
            b.toolChoice(ToolChoice.fromAny(AnyToolChoice.builder().build()));
        } else if ("auto".equals(request.toolChoice())) {
            b.toolChoice(ToolChoice.fromAuto(AutoToolChoice.builder().build()));
        }
        return b.build();
    }

    /** response_format json_schema as Converse's structured output, or null. */
    static OutputConfig output(ChatRequest request) {
        ResponseFormat f = request.responseFormat();
        if (f == null || !f.type().equals(ResponseFormat.JSON_SCHEMA)) {
            return null;
        }
        return OutputConfig.builder().textFormat(OutputFormat.builder().type(OutputFormatType.JSON_SCHEMA)
                .structure(OutputFormatStructure.fromJsonSchema(JsonSchemaDefinition.builder().name(f.name()).schema(f.schema()).build()))
                .build()).build();
    }

    static List<SystemContentBlock> system(ChatRequest request) {
        return request.messages().stream().filter(ChatMessage::isInstruction)
                .map(m -> SystemContentBlock.fromText(m.text())).toList();
    }

    /** Whether a metadata value is an object of strings, as OpenAI and Converse's requestMetadata both want it. */
    private static boolean stringMap(String json) {
        com.fasterxml.jackson.databind.JsonNode v = Json.tree(json);
        if (!v.isObject()) {
            return false;
        }
        for (java.util.Iterator<com.fasterxml.jackson.databind.JsonNode> i = v.elements(); i.hasNext();) {
            if (!i.next().isTextual()) {
                return false;
            }
        }
        return true;
    }

    /**
     * OpenAI's metadata (string tags) and user (the end user) as Converse's requestMetadata, the key-value pairs Bedrock
     * records with the call in its invocation logs; the user under {@value #USER_KEY} unless the metadata has that key.
     */
    static Map<String, String> requestMetadata(ChatRequest request) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        String metadata = request.parameter("metadata");
        if (metadata != null) {
            Json.tree(metadata).fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        }
        String user = request.parameter("user");
        if (user != null) {
            out.putIfAbsent(USER_KEY, Json.tree(user).asText());
        }
        return out;
    }

    /**
     * The output limit (none when the client set none: Converse then allows the model's maximum, as OpenAI does),
     * temperature (capped at Converse's 1, as for Anthropic: OpenAI's range is 0-2), top_p and stop.
     */
    static InferenceConfiguration inference(ChatRequest request) {
        InferenceConfiguration.Builder b = InferenceConfiguration.builder();
        if (!request.defaultMaxTokens()) {
            b.maxTokens(request.maxTokens());
        }
        if (request.temperature() != null) {
            b.temperature((float) Math.min(1.0, request.temperature())); // Converse's range is 0-1, OpenAI's 0-2
        }
        String topP = request.parameter("top_p");
        if (topP != null) {
            b.topP(Float.parseFloat(topP));
        }
        String stop = request.parameter("stop");
        if (stop != null) {
            com.fasterxml.jackson.databind.JsonNode v = Json.tree(stop);
            List<String> sequences = new ArrayList<>();
            if (v.isArray()) {
                v.forEach(x -> sequences.add(x.asText()));
            } else {
                sequences.add(v.asText());
            }
            b.stopSequences(sequences);
        }
        return b.build();
    }
}
