package io.headroom.llm.api;

import java.util.Objects;

/**
 * A call of a function tool that the model asks for, or that an assistant message of the conversation made:
 * the call's {@code id} (the tool result refers to it), the function's name and its arguments as JSON text.
 */
public record ToolCall(String id, String name, String arguments) {
    public ToolCall {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        arguments = arguments == null || arguments.isBlank() ? "{}" : arguments;
    }
}
