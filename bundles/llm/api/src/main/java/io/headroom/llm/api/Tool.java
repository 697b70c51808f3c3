package io.headroom.llm.api;

import java.util.Objects;

/**
 * A function the model may call: its name, description ({@code null}: none), parameters as a JSON Schema in JSON
 * text ({@code null}: none) and OpenAI's {@code strict} flag ({@code null}: not given).
 */
public record Tool(String name, String description, String parameters, Boolean strict) {
    public Tool {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a tool needs a function name");
        }
    }
}
