package io.headroom.llm.internal.rest;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.DirectEndpoint;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.llm.api.EmbeddingRequest;
import io.headroom.llm.api.EmbeddingResponse;
import io.headroom.llm.api.LlmRouter;
import io.headroom.llm.api.ProviderException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * POST /api/llm/v1/embeddings in OpenAI's shape: {@code input} a string or an array of strings, {@code dimensions},
 * {@code encoding_format} float or base64 (little-endian float32, as OpenAI's SDKs decode it), every other field
 * passed on; the route's deployments that embed answer, with the chat endpoint's routing, failover, limits, tenant
 * accounting and error envelope.
 */
@Component(service = DirectEndpoint.class, property = DirectEndpoint.PATH + "=/llm/v1/embeddings")
public final class EmbeddingsEndpoint implements DirectEndpoint {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LlmRouter router;

    @Activate
    public EmbeddingsEndpoint(@Reference LlmRouter router) {
        this.router = router;
    }

    @Override
    public void serve(Caller caller, Exchange exchange) throws IOException {
        ErrorEnvelope.answerOrError(exchange, () -> answer(caller, exchange));
    }

    /** The request's route, inputs, dimensions and other parameters; whether the answer is base64. */
    record Parsed(String route, EmbeddingRequest request, boolean base64) {
    }

    static Parsed parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ProblemException.badRequest("the body must be a JSON object");
        }
        String route = body.path("model").asText("");
        if (route.isEmpty()) {
            throw ProblemException.badRequest("'model' (a route name) is required");
        }
        List<String> inputs = new ArrayList<>();
        JsonNode input = body.path("input");
        if (input.isTextual()) {
            inputs.add(input.asText());
        } else if (input.isArray()) {
            for (JsonNode i : input) {
                if (!i.isTextual()) {
                    throw ProblemException.badRequest("'input' must be a string or an array of strings (token arrays are not supported)");
                }
                inputs.add(i.asText());
            }
        } else {
            throw ProblemException.badRequest("'input' must be a string or an array of strings");
        }
        String format = body.path("encoding_format").asText("float");
        if (!format.equals("float") && !format.equals("base64")) {
            throw ProblemException.badRequest("'encoding_format' must be float or base64");
        }
        Integer dimensions = null;
        if (body.hasNonNull("dimensions")) {
            if (!body.get("dimensions").canConvertToInt()) {
                throw ProblemException.badRequest("'dimensions' must be a whole number");
            }
            dimensions = body.get("dimensions").asInt();
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = body.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            if (!List.of("model", "input", "encoding_format", "dimensions").contains(f.getKey())) {
                parameters.put(f.getKey(), f.getValue().toString());
            }
        }
        try {
            return new Parsed(route, new EmbeddingRequest(inputs, dimensions, parameters), format.equals("base64"));
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
    }

    private void answer(Caller caller, Exchange exchange) throws IOException {
        JsonNode body;
        try {
            body = JSON.readTree(exchange.body());
        } catch (IOException e) {
            throw ProblemException.badRequest("malformed JSON: " + e.getMessage());
        }
        Parsed p = parse(body);
        EmbeddingResponse r;
        try {
            r = router.embed(ChatEndpoint.tenant(caller, exchange), LlmResource.priority(exchange.header("X-Headroom-Priority")),
                    p.route(), p.request(), ChatEndpoint.timeout(exchange));
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        } catch (ProviderException e) {
            throw LlmResource.problem(e, caller.tenantScope().isPresent());
        }
        exchange.status(200);
        if (!caller.tenantScope().isPresent()) {
            exchange.header("X-Headroom-Deployment", r.deployment());
        }
        try (JsonGenerator g = JSON.getFactory().createGenerator(exchange.output("application/json"))) {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (int i = 0; i < r.vectors().size(); i++) {
                float[] v = r.vectors().get(i);
                g.writeStartObject();
                g.writeStringField("object", "embedding");
                g.writeNumberField("index", i);
                if (p.base64()) {
                    ByteBuffer bytes = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                    for (float f : v) {
                        bytes.putFloat(f);
                    }
                    g.writeStringField("embedding", Base64.getEncoder().encodeToString(bytes.array()));
                } else {
                    g.writeArrayFieldStart("embedding");
                    for (float f : v) {
                        g.writeNumber(f);
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("model", p.route());
            g.writeObjectFieldStart("usage");
            g.writeNumberField("prompt_tokens", r.promptTokens());
            g.writeNumberField("total_tokens", r.promptTokens());
            g.writeEndObject();
            g.writeEndObject();
        }
    }
}
