package io.headroom.llm.api;

import java.util.Objects;

/** One message of a conversation; {@code role} is system, user or assistant. */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        if (!role.equals("system") && !role.equals("user") && !role.equals("assistant")) {
            throw new IllegalArgumentException("role must be system, user or assistant, not '" + role + "'");
        }
    }
}
