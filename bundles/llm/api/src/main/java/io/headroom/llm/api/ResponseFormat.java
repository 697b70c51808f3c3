package io.headroom.llm.api;

/**
 * OpenAI's {@code response_format}: {@code json_object}, or {@code json_schema} with the schema's name, the schema in
 * JSON text and {@code strict} ({@code null}: not given). {@code text} is the default and is not represented.
 */
public record ResponseFormat(String type, String name, String schema, Boolean strict) {
    public static final String JSON_OBJECT = "json_object";
    public static final String JSON_SCHEMA = "json_schema";

    public ResponseFormat {
        if (!JSON_OBJECT.equals(type) && !JSON_SCHEMA.equals(type)) {
            throw new IllegalArgumentException("response_format type must be text, json_object or json_schema, not '" + type + "'");
        }
        if (JSON_SCHEMA.equals(type) && (schema == null || name == null || name.isBlank())) {
            throw new IllegalArgumentException("response_format json_schema needs json_schema.name and json_schema.schema");
        }
    }
}
