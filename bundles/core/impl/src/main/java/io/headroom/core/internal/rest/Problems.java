package io.headroom.core.internal.rest;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.headroom.core.api.InvalidJobNameException;
import io.headroom.core.api.InvalidTenantIdException;
import io.headroom.core.api.flags.InvalidFlagException;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.core.api.store.ControlStore;
import java.util.stream.Collectors;
import javax.ws.rs.WebApplicationException;

/**
 * Turns whatever a request ended with into a status and a message a client can act on. Client mistakes become
 * 4xx with the reason; anything else is a 500 that names only the request id (details go to the log).
 */
final class Problems {
    private Problems() {
    }

    static final String UNREACHABLE = "a database this request needs cannot be reached right now; nothing was changed; retry shortly";

    /** Status and detail for a failure; {@code null} detail means an internal error. */
    record Outcome(int status, String detail, Integer retryAfterSeconds) {
        Outcome(int status, String detail) {
            this(status, detail, null);
        }

        boolean internal() {
            return status >= 500 && status != 503;
        }
    }

    /**
     * Whether the answer could not be written because the client had gone (a load balancer's health check that timed
     * out and closed, a browser tab closed): Jetty's {@code EofException}, a closed channel, a reset or broken pipe.
     * Nothing to fix on our side, so not an error in the log.
     */
    static boolean clientGone(Throwable error) {
        int depth = 0;
        for (Throwable t = error; t != null && depth < 10; t = t.getCause(), depth++) {
            if (t.getClass().getSimpleName().equals("EofException") || t instanceof java.nio.channels.ClosedChannelException) {
                return true;
            }
            if (t instanceof java.io.IOException && t.getMessage() != null
                    && (t.getMessage().contains("Broken pipe") || t.getMessage().contains("Connection reset by peer"))) {
                return true;
            }
        }
        return false;
    }

    static Outcome classify(Throwable error) {
        // domain errors first: Jackson wraps what a constructor threw (a bad tenant id in a body) in its own exceptions
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof BodyTooLargeException) {
                return new Outcome(413, t.getMessage());
            }
            if (t instanceof BodyTimeoutException) {
                return new Outcome(408, t.getMessage());
            }
            if (t instanceof ProblemException p) {
                return new Outcome(p.status(), p.detail(), p.retryAfterSeconds());
            }
            if (t instanceof InvalidTenantIdException || t instanceof InvalidJobNameException || t instanceof InvalidFlagException) {
                return new Outcome(400, t.getMessage());
            }
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof InvalidDefinitionException) {
                return new Outcome(500, null); // a type the server cannot (de)serialise: our bug, not the client's
            }
            if (t instanceof JsonProcessingException j) {
                return new Outcome(400, describe(j));
            }
        }
        if (ControlStore.isUnreachable(error)) {
            return new Outcome(503, UNREACHABLE, 5);
        }
        if (error instanceof WebApplicationException w) {
            int status = w.getResponse().getStatus();
            return new Outcome(status, status >= 500 ? null : plainMessage(w, status));
        }
        return new Outcome(500, null);
    }

    private static final java.util.regex.Pattern INTERNAL = java.util.regex.Pattern.compile(
            "jdbc:[^\\s'\"()]+|https?://[^\\s'\"()]+|\\b(?:\\d{1,3}\\.){3}\\d{1,3}(?::\\d{1,5})?\\b|\\b(?:localhost|[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+):\\d{2,5}\\b");
    /** {@code 'schema.table'} or {@code `schema`.`table`} in a database's message: the schema is ours, the table theirs. */
    private static final java.util.regex.Pattern QUALIFIED = java.util.regex.Pattern.compile("(['`])[A-Za-z0-9_$]+\\1?\\.\\1?([A-Za-z0-9_$]+)");

    /**
     * A message for a caller who is not an operator or a platform token: addresses, URLs and schema qualifiers that a
     * dependency's error text may carry are replaced, the rest (what the caller can act on) is kept.
     */
    static String forTenant(String detail) {
        if (detail == null) {
            return null;
        }
        String d = INTERNAL.matcher(detail).replaceAll("[internal]");
        return QUALIFIED.matcher(d).replaceAll("$1$2");
    }

    static String describe(JsonProcessingException e) {
        if (e instanceof UnrecognizedPropertyException u) {
            String known = u.getKnownPropertyIds() == null ? "" : u.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", "));
            return "unknown field '" + u.getPropertyName() + "'" + (known.isEmpty() ? "" : "; known fields: " + known);
        }
        if (e instanceof JsonParseException) {
            return "malformed JSON: " + e.getOriginalMessage();
        }
        if (e instanceof InvalidFormatException f) {
            return "invalid value " + f.getValue() + " for field '" + path(f) + "': expected " + f.getTargetType().getSimpleName();
        }
        if (e instanceof MismatchedInputException m) {
            String path = path(m);
            return path.isEmpty() ? "malformed request body: " + m.getOriginalMessage()
                    : "invalid value for field '" + path + "': " + m.getOriginalMessage();
        }
        if (e instanceof JsonMappingException m && !path(m).isEmpty()) {
            return "invalid value for field '" + path(m) + "': " + m.getOriginalMessage();
        }
        return "malformed request body: " + e.getOriginalMessage();
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private static String plainMessage(WebApplicationException w, int status) {
        return switch (status) {
            case 404 -> "no such resource";
            case 405 -> "method not allowed here";
            case 406 -> "cannot produce the requested media type";
            case 415 -> "unsupported media type; send application/json";
            default -> w.getMessage();
        };
    }
}
