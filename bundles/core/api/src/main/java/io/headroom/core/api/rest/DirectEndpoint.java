package io.headroom.core.api.rest;

import io.headroom.core.api.TenantId;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
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
 *
 * <p>The path may have one segment {@code {tenant}} (e.g. {@code /sharding/tenants/{tenant}/sql}), confined as on every
 * JAX-RS endpoint: an invalid id is a 400, a tenant token naming another tenant a 403, both before {@link #serve};
 * operators and platform tokens reach every tenant. The tenant the request is made for (the token's, else the path's;
 * none for an operator) is reported to the tenant load ledger and held to its REST limit (429), and the request is
 * measured under the path template, as the JAX-RS resource's would be. Role checks beyond that are the endpoint's.
 *
 * <p>An endpoint that waits for something (a write held at a fence) {@linkplain Exchange#suspend suspends} the exchange
 * and completes it later from any thread: no server thread is held meanwhile, and the request still counts as in flight
 * for the drain of a bundle update until it is complete.
 */
@ConsumerType
public interface DirectEndpoint {
    /** Service property: the path below /api this endpoint serves (POST only), with at most one {@value #TENANT} segment. */
    String PATH = "headroom.rest.direct.path";

    /** The path segment that stands for the tenant a request is made for. */
    String TENANT = "{tenant}";

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

        /** The {@value DirectEndpoint#TENANT} segment of the path, validated and confined to the caller; null when the path has none. */
        TenantId tenant();

        /**
         * The body read as JSON into {@code type} with the REST host's strict rules (unknown fields, duplicate keys,
         * coercions and trailing data refused); a body the host would refuse on a JAX-RS endpoint throws the same
         * {@link ProblemException} (400, 413, 408) with the same message.
         */
        <T> T readJson(Class<T> type) throws IOException;

        /** Answers {@code status} with {@code value} as its JSON body, written as on a JAX-RS endpoint, and completes a suspended exchange. */
        void writeJson(int status, Object value) throws IOException;

        /**
         * Answers with the problem document the host makes of {@code error} on any endpoint (status, Retry-After, a
         * detail a tenant may read, or a 500 naming only the request id), and completes a suspended exchange.
         */
        void fail(RuntimeException error) throws IOException;

        /**
         * Keeps the response open after {@link #serve} returns, without a thread, until {@link #complete()} (from any
         * thread); one not complete after {@code timeout} is answered 503 with Retry-After by the host.
         */
        void suspend(Duration timeout);

        /** Ends a suspended exchange (what was written is sent); nothing for one that is not suspended. */
        void complete();
    }
}
