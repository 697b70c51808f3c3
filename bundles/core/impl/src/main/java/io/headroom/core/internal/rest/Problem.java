package io.headroom.core.internal.rest;

import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.Response;
import javax.ws.rs.core.Response.Status;

/** An RFC 9457 problem document, the body of every error the REST host returns. */
public record Problem(String type, String title, int status, String detail, String requestId) {
    public static final String MEDIA_TYPE = "application/problem+json";
    public static final MediaType TYPE = MediaType.valueOf(MEDIA_TYPE);

    public static Problem of(int status, String detail, String requestId) {
        Status s = Status.fromStatusCode(status);
        return new Problem("about:blank", s == null ? "HTTP " + status : s.getReasonPhrase(), status, detail, requestId);
    }

    public Response.ResponseBuilder response() {
        return Response.status(status).type(TYPE).entity(this);
    }
}
