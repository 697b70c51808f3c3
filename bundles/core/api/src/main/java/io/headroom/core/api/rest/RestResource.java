package io.headroom.core.api.rest;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Marker for a JAX-RS resource that the REST host publishes. Register the resource object as an OSGi service
 * under this interface with the property {@value #PATH} (one path segment, e.g. {@code /example}); it is served
 * at {@code /api/example/...} with authentication, JSON, problem+json errors, a body-size limit and a request
 * id already applied. When the service goes away its endpoints go with it; requests that arrive while it is
 * being replaced are held briefly, then answered 503 with Retry-After.
 *
 * <p>Access: any authenticated caller by default; {@code @PermitAll} opens a method or class,
 * {@code @RolesAllowed} restricts it to {@link Caller#OPERATOR}, {@link Caller#PLATFORM} or {@link Caller#TENANT}.
 * A path or query parameter named {@code tenant} is checked by the host: a tenant token only reaches its own.
 */
@ConsumerType
public interface RestResource {
    /** Service property: the path segment, below /api, that the resource is published at. */
    String PATH = "headroom.rest.path";
}
