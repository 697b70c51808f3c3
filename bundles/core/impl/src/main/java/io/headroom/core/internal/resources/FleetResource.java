package io.headroom.core.internal.resources;

import io.headroom.core.api.fleet.Fleet;
import io.headroom.core.api.fleet.FleetNode;
import io.headroom.core.api.fleet.LeaseInfo;
import io.headroom.core.api.fleet.Leases;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.RestResource;
import java.util.List;
import javax.annotation.security.RolesAllowed;
import javax.ws.rs.DefaultValue;
import javax.ws.rs.GET;
import javax.ws.rs.Path;
import javax.ws.rs.Produces;
import javax.ws.rs.QueryParam;
import javax.ws.rs.core.MediaType;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** /api/fleet: the live nodes and who holds which lease (operators and platform tokens). */
@Component(service = RestResource.class, property = RestResource.PATH + "=/fleet")
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
public final class FleetResource implements RestResource {

    /** What the fleet looks like from the node that answered. */
    public record FleetView(String answeredBy, List<FleetNode> nodes, List<LeaseInfo> leases) {
    }

    private final Fleet fleet;
    private final Leases leases;

    @Activate
    public FleetResource(@Reference Fleet fleet, @Reference Leases leases) {
        this.fleet = fleet;
        this.leases = leases;
    }

    @GET
    public FleetView fleet(@QueryParam("leases") @DefaultValue("") String leasePrefix) {
        return new FleetView(fleet.nodeId(), fleet.liveNodes(), leases.list(leasePrefix));
    }
}
