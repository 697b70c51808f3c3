package io.headroom.heartbeat.internal.rest;

import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.core.api.rest.RestResource;
import io.headroom.heartbeat.api.Artifact;
import io.headroom.heartbeat.api.DeliveryFigures;
import io.headroom.heartbeat.api.FleetState;
import io.headroom.heartbeat.api.KillSwitch;
import io.headroom.heartbeat.api.Release;
import io.headroom.heartbeat.api.ReleaseRefusedException;
import io.headroom.heartbeat.api.ReleaseRequest;
import io.headroom.heartbeat.api.Releases;
import io.headroom.heartbeat.internal.core.ReleasePlan;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import javax.annotation.security.RolesAllowed;
import javax.ws.rs.Consumes;
import javax.ws.rs.DELETE;
import javax.ws.rs.DefaultValue;
import javax.ws.rs.GET;
import javax.ws.rs.HeaderParam;
import javax.ws.rs.POST;
import javax.ws.rs.PUT;
import javax.ws.rs.Path;
import javax.ws.rs.PathParam;
import javax.ws.rs.Produces;
import javax.ws.rs.QueryParam;
import javax.ws.rs.core.Context;
import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.Response;
import javax.ws.rs.core.SecurityContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** /api/releases: artifacts, releases across the fleet and their actions, the fleet's state, delivery figures, kill switches. */
@Component(service = RestResource.class, property = RestResource.PATH + "=/releases")
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public final class ReleasesResource implements RestResource {

    /** A release as clients ask for it; {@code watch} is a duration ({@code 90s}, {@code 5m}, {@code 1h}). */
    public record ReleaseIn(String unit, String version, String source, Integer canary, String steps, String watch) {
    }

    public record KillSwitchIn(List<String> jobs, String scope) {
    }

    private final Releases releases;

    @Activate
    public ReleasesResource(@Reference Releases releases) {
        this.releases = releases;
    }

    private static <T> T refusals(Supplier<T> action) {
        try {
            return action.get();
        } catch (ReleaseRefusedException e) {
            throw e.conflict() ? ProblemException.conflict(e.getMessage()) : ProblemException.badRequest(e.getMessage());
        }
    }

    @POST
    @Path("artifacts")
    @Consumes(MediaType.APPLICATION_OCTET_STREAM)
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public Response upload(byte[] jar, @HeaderParam("Digest-SHA256") String header, @QueryParam("sha256") String query) {
        Artifact a = refusals(() -> releases.upload(jar, query != null ? query : header));
        return Response.status(201).entity(a).build();
    }

    @GET
    @Path("artifacts")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<Artifact> artifacts() {
        return releases.artifacts();
    }

    @DELETE
    @Path("artifacts/{sha256}")
    @RolesAllowed({Caller.OPERATOR})
    public Response deleteArtifact(@PathParam("sha256") String sha256, @Context SecurityContext security) {
        if (!refusals(() -> releases.deleteArtifact(sha256, Caller.of(security).name()))) {
            throw ProblemException.notFound("no artifact " + sha256);
        }
        return Response.noContent().build();
    }

    @POST
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public Response start(ReleaseIn in, @Context SecurityContext security) {
        if (in == null) {
            throw ProblemException.badRequest("send {\"unit\": bundle, \"version\": version, \"canary\", \"steps\", \"watch\"}");
        }
        long watch;
        try {
            watch = in.watch() == null ? 0 : ReleasePlan.parseDuration(in.watch()).toSeconds();
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
        ReleaseRequest req = new ReleaseRequest(in.unit(), in.version(), in.source(), in.canary() == null ? 0 : in.canary(),
                in.steps(), watch);
        Release r = refusals(() -> releases.start(req, Caller.of(security).name()));
        return Response.status(201).entity(r).build();
    }

    @GET
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<Release> list(@QueryParam("limit") @DefaultValue("20") int limit) {
        return releases.releases(Math.max(1, Math.min(limit, 500)));
    }

    @GET
    @Path("{id: [0-9]+}")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public Release get(@PathParam("id") long id) {
        return releases.release(id).orElseThrow(() -> ProblemException.notFound("no release " + id));
    }

    @POST
    @Path("{id: [0-9]+}/{action: pause|resume|promote|abort}")
    @RolesAllowed({Caller.OPERATOR})
    public Release act(@PathParam("id") long id, @PathParam("action") String action, @Context SecurityContext security) {
        String actor = Caller.of(security).name();
        if (releases.release(id).isEmpty()) {
            throw ProblemException.notFound("no release " + id);
        }
        return refusals(() -> switch (action) {
            case "pause" -> releases.pause(id, actor);
            case "resume" -> releases.resume(id, actor);
            case "promote" -> releases.promote(id, actor);
            default -> releases.abort(id, actor);
        });
    }

    @GET
    @Path("fleet")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public FleetState fleet() {
        return releases.fleetState();
    }

    @GET
    @Path("figures")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<DeliveryFigures> figures(@QueryParam("window") @DefaultValue("30d") String window) {
        Duration d;
        try {
            d = ReleasePlan.parseDuration(window);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
        return releases.figures(d);
    }

    @GET
    @Path("kill-switches")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<KillSwitch> killSwitches() {
        return releases.killSwitches();
    }

    @PUT
    @Path("kill-switches/{flag}")
    @RolesAllowed({Caller.OPERATOR})
    public KillSwitch putKillSwitch(@PathParam("flag") String flag, KillSwitchIn in, @Context SecurityContext security) {
        if (in == null) {
            throw ProblemException.badRequest("send {\"jobs\": [job...], \"scope\": \"tenant\" or \"everyone\"}");
        }
        return refusals(() -> releases.putKillSwitch(new KillSwitch(flag, in.jobs(), in.scope(), null, null), Caller.of(security).name()));
    }

    @DELETE
    @Path("kill-switches/{flag}")
    @RolesAllowed({Caller.OPERATOR})
    public Response deleteKillSwitch(@PathParam("flag") String flag, @Context SecurityContext security) {
        if (!releases.deleteKillSwitch(flag, Caller.of(security).name())) {
            throw ProblemException.notFound("no kill switch on " + flag);
        }
        return Response.noContent().build();
    }
}
