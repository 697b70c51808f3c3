package io.headroom.llm.internal.rest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.headroom.core.api.InvalidTenantIdException;
import io.headroom.core.api.rest.DirectEndpoint.Exchange;
import io.headroom.core.api.rest.ProblemException;
import java.io.IOException;

/**
 * OpenAI's error envelope ({@code {"error":{"message","type","param","code"}}}, with Retry-After where it applies) for
 * every endpoint of the gateway's {@code /v1}: OpenAI SDKs branch on its type and code (rate limit, quota, unknown model).
 */
final class ErrorEnvelope {
    private static final JsonFactory JSON = new com.fasterxml.jackson.databind.ObjectMapper().getFactory();

    private ErrorEnvelope() {
    }

    /** What an endpoint of the gateway does to answer; refusals are ProblemExceptions or bad tenant ids. */
    interface Answer {
        void run() throws IOException;
    }

    /** Runs {@code answer}; a refusal it throws becomes OpenAI's error envelope (every endpoint of the gateway). */
    static void answerOrError(Exchange exchange, Answer answer) throws IOException {
        try {
            answer.run();
        } catch (OpenAiProblem e) {
            error(exchange, e.status(), e.detail(), e.retryAfterSeconds(), e.code(), e.param());
        } catch (ProblemException e) {
            error(exchange, e.status(), e.detail(), e.retryAfterSeconds());
        } catch (InvalidTenantIdException e) {
            error(exchange, 400, e.getMessage(), null);
        }
    }

    /** OpenAI's error envelope, with OpenAI's types and codes for the statuses the gateway answers. */
    static void error(Exchange exchange, int status, String message, Integer retryAfterSeconds) throws IOException {
        error(exchange, status, message, retryAfterSeconds, null, null);
    }

    /**
     * The envelope with the failure's own code and param where it has them (context_length_exceeded, unsupported_parameter),
     * else the code the status implies.
     */
    static void error(Exchange exchange, int status, String message, Integer retryAfterSeconds, String ownCode, String param)
            throws IOException {
        String type;
        String code;
        if (status == 429) {
            boolean budget = message != null && message.contains("budget");
            type = budget ? "insufficient_quota" : "rate_limit_error";
            code = budget ? "insufficient_quota" : "rate_limit_exceeded";
        } else if (status >= 500) {
            type = "server_error";
            code = status == 503 ? "service_unavailable" : null;
        } else {
            type = "invalid_request_error";
            code = message != null && message.startsWith("no route named") ? "model_not_found" : null;
        }
        if (ownCode != null) {
            code = ownCode;
        }
        exchange.status(status);
        if (retryAfterSeconds != null) {
            exchange.header("Retry-After", Integer.toString(retryAfterSeconds));
        }
        try (JsonGenerator g = JSON.createGenerator(exchange.output("application/json"))) {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeStringField("message", message);
            g.writeStringField("type", type);
            if (param == null) {
                g.writeNullField("param");
            } else {
                g.writeStringField("param", param);
            }
            if (code == null) {
                g.writeNullField("code");
            } else {
                g.writeStringField("code", code);
            }
            g.writeEndObject();
            g.writeEndObject();
        }
    }
}
