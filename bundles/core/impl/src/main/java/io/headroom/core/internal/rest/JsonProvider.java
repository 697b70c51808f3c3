package io.headroom.core.internal.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.deser.std.FromStringDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.jaxrs.json.JacksonJsonProvider;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.ProblemException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.time.Instant;
import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.MultivaluedMap;

/**
 * Strict JSON for every endpoint: unknown fields, trailing garbage, nulls for primitives, numbers for strings
 * (and back) and empty bodies are client errors reported by name, not silently accepted.
 */
final class JsonProvider extends JacksonJsonProvider {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            // {"tenant":"a","tenant":"b"} is two answers to one question: refused, not "the last one wins"
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            // "42" is not a number and 42 is not a string: no silent scalar coercion either way
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .withCoercionConfig(LogicalType.Textual, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .addModule(platformTypes())
            .build();

    /**
     * Value types of the platform API as JSON strings: TenantId (parsed strictly, so a bad id in a body is a 400 that
     * names the field) and Instant as ISO-8601 (without pulling in the JSR-310 module).
     */
    private static SimpleModule platformTypes() {
        SimpleModule m = new SimpleModule("headroom-types");
        m.addSerializer(TenantId.class, new ToStringSerializer(TenantId.class));
        m.addDeserializer(TenantId.class, new FromStringDeserializer<>(TenantId.class) {
            @Override
            protected TenantId _deserialize(String value, DeserializationContext ctxt) {
                return TenantId.of(value);
            }
        });
        m.addSerializer(Instant.class, new ToStringSerializer(Instant.class));
        m.addDeserializer(Instant.class, new FromStringDeserializer<>(Instant.class) {
            @Override
            protected Instant _deserialize(String value, DeserializationContext ctxt) {
                return Instant.parse(value);
            }
        });
        return m;
    }

    JsonProvider() {
        super(MAPPER);
    }

    @Override
    public Object readFrom(Class<Object> type, Type genericType, Annotation[] annotations, MediaType mediaType,
                           MultivaluedMap<String, String> httpHeaders, InputStream entityStream) throws IOException {
        Object value;
        try {
            value = super.readFrom(type, genericType, annotations, mediaType, httpHeaders, entityStream);
        } catch (IOException e) {
            ProblemException refusal = refusal(e);
            if (refusal == null) {
                throw e;
            }
            throw refusal;
        }
        if (value == null) {
            throw bodyRequired();
        }
        return value;
    }

    static ProblemException bodyRequired() {
        return ProblemException.badRequest("a JSON request body is required");
    }

    /** What a body that could not be read tells the client (413, 408, 400 naming the fault), or null: not the client's. */
    static ProblemException refusal(IOException e) {
        Throwable cause = e instanceof JsonProcessingException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof BodyTooLargeException) {
            return new ProblemException(413, cause.getMessage());
        }
        if (cause instanceof BodyTimeoutException) {
            return new ProblemException(408, cause.getMessage());
        }
        if (e instanceof JsonProcessingException j) {
            return ProblemException.badRequest(Problems.describe(j));
        }
        return null;
    }
}
