package io.headroom.core.api.rest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.osgi.annotation.versioning.ConsumerType;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A hot POST endpoint the REST host serves without JAX-RS dispatch, for request paths where that dispatch costs more
 * than the work (a gateway call). Register it as an OSGi service with the property {@value #PATH} (the full path
 * below /api, e.g. {@code /llm/v1/chat/completions}) beside the {@link RestResource} of the same first segment, which
 * stays the fallback: while no direct endpoint is registered, the resource serves the path. The host still applies
 * what it applies to every request: the request id, the body-size limit, the hold and drain of a restarting endpoint,
 * and authentication: {@link #serve} is called only for an authenticated caller (401 or 403 otherwise). Throwing
 * {@link ProblemException} before writing anything answers with its problem document.
 */
@ConsumerType
public interface DirectEndpoint {
    /** Service property: the path below /api this endpoint serves (POST only). */
    String PATH = "headroom.rest.direct.path";

    void serve(Caller caller, Exchange exchange) throws IOException;

    /** One request and its response. */
    @ProviderType
    interface Exchange {
        /** A request header, or null. */
        String header(String name);

        /** The request id (also sent back as X-Request-Id). */
        String requestId();

        /** The request body, capped at the host's size limit. */
        InputStream body() throws IOException;

        void status(int status);

        void header(String name, String value);

        /** The response body (headers are sent with its first flush). */
        OutputStream output(String contentType) throws IOException;
    }
}
