package io.headroom.core.internal.resources;

import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.core.api.rest.RestResource;
import io.headroom.core.api.store.ControlEndpoint;
import io.headroom.core.api.store.ControlEndpoints;
import io.headroom.core.api.store.Switchover;
import java.util.List;
import javax.annotation.security.RolesAllowed;
import javax.ws.rs.Consumes;
import javax.ws.rs.GET;
import javax.ws.rs.POST;
import javax.ws.rs.Path;
import javax.ws.rs.Produces;
import javax.ws.rs.core.MediaType;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** /api/control: the control schema's servers, and switchovers between them (operators only). */
@Component(service = RestResource.class, property = RestResource.PATH + "=/control")
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@RolesAllowed(Caller.OPERATOR)
public final class ControlResource implements RestResource {

    public record ControlView(List<ControlEndpoint> servers, List<Switchover> switchovers) {
    }

    public record SwitchoverRequest(String target) {
    }

    private final ControlEndpoints control;

    @Activate
    public ControlResource(@Reference ControlEndpoints control) {
        this.control = control;
    }

    @GET
    public ControlView servers() {
        return new ControlView(control.endpoints(), control.history(20));
    }

    @POST
    @Path("switchover")
    public Switchover switchover(SwitchoverRequest request) {
        try {
            return control.switchover(request == null ? null : request.target());
        } catch (IllegalStateException e) {
            throw ProblemException.conflict(e.getMessage());
        }
    }
}
