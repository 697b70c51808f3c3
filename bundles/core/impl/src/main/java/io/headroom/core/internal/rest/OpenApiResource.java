package io.headroom.core.internal.rest;

import java.util.LinkedHashMap;
import java.util.Map;
import javax.annotation.security.PermitAll;
import javax.ws.rs.GET;
import javax.ws.rs.Path;
import javax.ws.rs.Produces;
import javax.ws.rs.core.MediaType;
import org.osgi.framework.FrameworkUtil;

/** GET /api/openapi.json: the OpenAPI description of every endpoint live at this moment. */
@Path("/")
@PermitAll
public final class OpenApiResource {
    private final RestHost host;

    OpenApiResource(RestHost host) {
        this.host = host;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> document() {
        Map<String, Class<?>> resources = new LinkedHashMap<>();
        for (RestHost.Endpoint e : host.endpoints()) {
            resources.put(host.alias() + "/" + e.segment(), e.resource().getClass());
        }
        return OpenApi.document(FrameworkUtil.getBundle(OpenApiResource.class).getVersion().toString(), resources);
    }
}
