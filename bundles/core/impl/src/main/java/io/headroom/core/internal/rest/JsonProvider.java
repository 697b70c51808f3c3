package io.headroom.core.internal.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.jaxrs.json.JacksonJsonProvider;
import io.headroom.core.api.rest.ProblemException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
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
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            // "42" is not a number and 42 is not a string: no silent scalar coercion either way
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .withCoercionConfig(LogicalType.Textual, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    JsonProvider() {
        super(MAPPER);
    }

    @Override
    public Object readFrom(Class<Object> type, Type genericType, Annotation[] annotations, MediaType mediaType,
                           MultivaluedMap<String, String> httpHeaders, InputStream entityStream) throws IOException {
        Object value;
        try {
            value = super.readFrom(type, genericType, annotations, mediaType, httpHeaders, entityStream);
        } catch (BodyTooLargeException e) {
            throw new ProblemException(413, e.getMessage());
        } catch (JsonProcessingException e) {
            if (e.getCause() instanceof BodyTooLargeException b) {
                throw new ProblemException(413, b.getMessage());
            }
            throw ProblemException.badRequest(Problems.describe(e));
        }
        if (value == null) {
            throw ProblemException.badRequest("a JSON request body is required");
        }
        return value;
    }
}
