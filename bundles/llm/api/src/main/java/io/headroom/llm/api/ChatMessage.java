package io.headroom.llm.api;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One message of a conversation, in OpenAI's terms: {@code role} is system, developer, user, assistant or tool.
 * {@code content} is its text ({@code null} when it has {@code parts}, or for an assistant message that only calls
 * tools); {@code parts} its content as text and image parts (empty when it is plain text); {@code toolCalls} the
 * tools an assistant message called; {@code toolCallId} the call a tool message answers; {@code name} an optional
 * participant name.
 */
public record ChatMessage(String role, String content, List<ContentPart> parts, List<ToolCall> toolCalls, String toolCallId,
                          String name) {
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        if (!ROLES.contains(role)) {
            throw new IllegalArgumentException("role must be system, developer, user, assistant or tool, not '" + role + "'");
        }
        parts = parts == null ? List.of() : List.copyOf(parts);
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        if (content == null && parts.isEmpty() && toolCalls.isEmpty()) {
            if (!role.equals("assistant")) {
                throw new IllegalArgumentException("a " + role + " message needs a 'content'");
            }
            content = "";
        }
        if (!toolCalls.isEmpty() && !role.equals("assistant")) {
            throw new IllegalArgumentException("only assistant messages have tool_calls");
        }
        if (role.equals("tool") && (toolCallId == null || toolCallId.isBlank())) {
            throw new IllegalArgumentException("a tool message needs the 'tool_call_id' it answers");
        }
        if (!parts.isEmpty() && !role.equals("user") && parts.stream().anyMatch(ContentPart::isImage)) {
            throw new IllegalArgumentException("only user messages may carry images");
        }
    }

    /** A plain text message. */
    public ChatMessage(String role, String content) {
        this(role, Objects.requireNonNull(content, "content"), List.of(), List.of(), null, null);
    }

    /** The message's text: its content, or its text parts joined. */
    public String text() {
        if (content != null) {
            return content;
        }
        StringBuilder b = new StringBuilder();
        for (ContentPart p : parts) {
            if (!p.isImage()) {
                b.append(p.text());
            }
        }
        return b.toString();
    }

    /** Whether this is a system or developer message (instructions, which some vendors take apart from the turns). */
    public boolean isInstruction() {
        return role.equals("system") || role.equals("developer");
    }

    public boolean hasImages() {
        return parts.stream().anyMatch(ContentPart::isImage);
    }
}
