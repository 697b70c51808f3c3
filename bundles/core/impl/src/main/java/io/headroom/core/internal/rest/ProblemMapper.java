package io.headroom.core.internal.rest;

import io.headroom.core.api.rest.Caller;
import javax.servlet.http.HttpServletRequest;
import javax.ws.rs.core.Context;
import javax.ws.rs.core.HttpHeaders;
import javax.ws.rs.core.Response;
import javax.ws.rs.ext.ExceptionMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place where errors become responses: problem+json, never a stack trace. */
final class ProblemMapper implements ExceptionMapper<Throwable> {
    private static final Logger LOG = LoggerFactory.getLogger(ProblemMapper.class);

    @Context
    private HttpHeaders headers;
    @Context
    private HttpServletRequest request;

    /** Operators and platform tokens may read dependencies' details; tenants and anonymous callers may not. */
    static boolean privileged(Object caller) {
        return caller instanceof Caller c && (Caller.OPERATOR.equals(c.role()) || Caller.PLATFORM.equals(c.role()));
    }

    @Override
    public Response toResponse(Throwable error) {
        String requestId = headers.getHeaderString(GatewayServlet.REQUEST_ID);
        Problems.Outcome outcome = Problems.classify(error);
        String detail = outcome.detail();
        if (outcome.internal() && Problems.clientGone(error)) {
            // the client closed the connection before its answer was written (e.g. a health check that timed out)
            LOG.debug("request {}: the client went away before its answer was written: {}", requestId, error.toString());
            detail = "the client went away";
        } else if (outcome.internal()) { // 503 is a dependency being down, not our bug: no stack trace
            LOG.error("request {} failed", requestId, error);
            detail = "internal error; quote request id " + requestId + " when reporting it";
        } else if (!privileged(request == null ? null : request.getAttribute(AuthFilter.CALLER_ATTRIBUTE))) {
            detail = Problems.forTenant(detail);
        }
        Response.ResponseBuilder response = Problem.of(outcome.status(), detail, requestId).response();
        if (outcome.retryAfterSeconds() != null) {
            response.header("Retry-After", outcome.retryAfterSeconds());
        }
        return response.build();
    }
}
