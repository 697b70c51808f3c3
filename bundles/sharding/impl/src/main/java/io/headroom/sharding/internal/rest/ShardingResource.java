package io.headroom.sharding.internal.rest;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.core.api.rest.RestResource;
import io.headroom.sharding.api.MoveStatus;
import io.headroom.sharding.api.ScatterResult;
import io.headroom.sharding.api.TenantMoves;
import io.headroom.sharding.api.SchemaChangeStatus;
import io.headroom.sharding.api.SchemaChanges;
import io.headroom.sharding.api.ShardAdmin;
import io.headroom.sharding.api.ShardInfo;
import io.headroom.sharding.api.ReplicaInfo;
import io.headroom.sharding.api.ShardReplicas;
import io.headroom.sharding.api.SwitchoverStatus;
import io.headroom.sharding.api.ShardQueryException;
import io.headroom.sharding.api.ShardRouter;
import io.headroom.sharding.api.ShardUnavailableException;
import io.headroom.sharding.api.TenantLoad;
import io.headroom.sharding.api.TenantLocation;
import io.headroom.sharding.api.TenantOverLimitException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import io.headroom.sharding.api.StatementResult;
import javax.ws.rs.container.AsyncResponse;
import javax.ws.rs.container.Suspended;
import org.osgi.service.component.annotations.Deactivate;

import java.util.function.Supplier;
import javax.annotation.security.RolesAllowed;
import javax.ws.rs.Consumes;
import javax.ws.rs.DELETE;
import javax.ws.rs.GET;
import javax.ws.rs.POST;
import javax.ws.rs.PUT;
import javax.ws.rs.Path;
import javax.ws.rs.PathParam;
import javax.ws.rs.Produces;
import javax.ws.rs.core.Context;
import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.Response;
import javax.ws.rs.core.SecurityContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** /api/sharding: shards, tenant locations and pins, per-tenant load, scatter queries. */
@Component(service = RestResource.class, property = RestResource.PATH + "=/sharding", configurationPid = "io.headroom.sharding")
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public final class ShardingResource implements RestResource {
    public record NewShard(String name, String url, String keyRange) {
    }

    public record Pin(String shard) {
    }

    public record ScatterQuery(String sql, List<Object> params, Long timeoutMillis, String readPreference) {
    }

    public record Topology(long routingVersion, List<ShardInfo> shards, List<String> shardedTables) {
    }

    public record NewMove(String tenant, String target) {
    }

    public record NewSplit(String shard, String low, String high) {
    }

    public record NewSchemaChange(Integer version, String ddl, String confirm) {
    }

    /** The Data API request: one statement ({@code sql}, {@code params}) or several in one transaction. */
    public record SqlRequest(String sql, List<Object> params, List<SqlStatement> statements, Integer maxRows, Integer timeoutSeconds,
            String readPreference) {
    }

    public record NewReplica(String url) {
    }

    public record SwitchoverRequest(String replica) {
    }

    public record SqlStatement(String sql, List<Object> params) {
    }

    /** A batch's answer: one result per statement, in order. */
    public record SqlResults(List<StatementResult> results) {
    }

    private final ShardAdmin admin;
    private final ShardRouter router;
    private final TenantMoves moves;
    private final SchemaChanges schema;
    private final DataApi data;
    private final ShardReplicas replicas;

    @Activate
    public ShardingResource(@Reference ShardAdmin admin, @Reference ShardRouter router, @Reference TenantMoves moves,
            @Reference SchemaChanges schema, @Reference ShardReplicas replicas, Map<String, Object> config) {
        this.admin = admin;
        this.replicas = replicas;
        this.router = router;
        this.moves = moves;
        this.schema = schema;
        this.data = new DataApi(router, DataApi.Limits.of(config));
    }

    @Deactivate
    void deactivate() {
        data.close();
    }

    /**
     * The Data API: the tenant's statements through its handle (the safe path, its shard, its pool share, the
     * breaker), answered asynchronously so a statement held at a move's fence holds no HTTP thread. {@link DataEndpoint}
     * serves this path without JAX-RS while it is registered; this method is the fallback and its OpenAPI entry.
     */
    @POST
    @Path("tenants/{tenant}/sql")
    public void sql(@PathParam("tenant") TenantId tenant, SqlRequest request, @Suspended AsyncResponse async) {
        data.submit(tenant, request, new DataApi.Reply() {
            @Override
            public void holding(Duration answerWithin) {
                // the method returns with the response suspended already; past its bound, JAX-RS answers 503
                async.setTimeout(answerWithin.toMillis() + DataEndpoint.SUSPEND_MARGIN_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
            }

            @Override
            public void ok(Object body, long heldMillis) {
                Response.ResponseBuilder ok = Response.ok(body);
                if (heldMillis >= 0) {
                    ok.header(DataApi.HELD_HEADER, heldMillis);
                }
                async.resume(ok.build());
            }

            @Override
            public void failed(RuntimeException error) {
                async.resume(error);
            }
        });
    }

    @POST
    @Path("schema")
    @RolesAllowed(Caller.OPERATOR)
    public Response applySchema(NewSchemaChange c) {
        if (c == null || c.version() == null || c.ddl() == null) {
            throw ProblemException.badRequest("send {\"version\": <next version>, \"ddl\": \"ALTER TABLE ... | CREATE TABLE ... | DROP TABLE ...\", \"confirm\": \"<table, for DROP>\"}");
        }
        return Response.status(202).entity(mapped(() -> schema.apply(c.version(), c.ddl(), c.confirm()))).build();
    }

    @GET
    @Path("schema-diff")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<io.headroom.sharding.api.SchemaDrift> schemaDiff() {
        return mapped(schema::diff);
    }

    @GET
    @Path("schema")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<SchemaChangeStatus> schemaChanges() {
        return schema.changes();
    }

    @GET
    @Path("schema/{version}")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public SchemaChangeStatus schemaChange(@PathParam("version") int version) {
        return schema.status(version).orElseThrow(() -> ProblemException.notFound("no schema change " + version));
    }

    @POST
    @Path("schema/{version}/{action}")
    @RolesAllowed(Caller.OPERATOR)
    public SchemaChangeStatus controlSchema(@PathParam("version") int version, @PathParam("action") String action) {
        schemaChange(version);
        return switch (action) {
            case "pause" -> mapped(() -> schema.pause(version));
            case "resume" -> mapped(() -> schema.resume(version));
            case "cancel" -> mapped(() -> schema.cancel(version));
            default -> throw ProblemException.notFound("no action " + action + ": use pause, resume or cancel");
        };
    }

    @POST
    @Path("moves")
    @RolesAllowed(Caller.OPERATOR)
    public Response move(NewMove m) {
        if (m == null || m.tenant() == null || m.target() == null) {
            throw ProblemException.badRequest("send {\"tenant\": ..., \"target\": \"<shard>\"}");
        }
        TenantId tenant = TenantId.of(m.tenant());
        return Response.status(202).entity(mapped(() -> moves.move(tenant, m.target()))).build();
    }

    @POST
    @Path("splits")
    @RolesAllowed(Caller.OPERATOR)
    public Response split(NewSplit s) {
        if (s == null || s.shard() == null || s.low() == null || s.high() == null) {
            throw ProblemException.badRequest("send {\"shard\": ..., \"low\": \"<new shard>\", \"high\": \"<new shard>\"}");
        }
        return Response.status(202).entity(mapped(() -> moves.split(s.shard(), s.low(), s.high()))).build();
    }

    @GET
    @Path("moves")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<MoveStatus> moves() {
        return moves.list();
    }

    @GET
    @Path("moves/{id}")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public MoveStatus moveStatus(@PathParam("id") long id) {
        return moves.status(id).orElseThrow(() -> ProblemException.notFound("no move " + id));
    }

    @POST
    @Path("moves/{id}/cancel")
    @RolesAllowed(Caller.OPERATOR)
    public MoveStatus cancel(@PathParam("id") long id) {
        moveStatus(id);
        return mapped(() -> moves.cancel(id));
    }

    @POST
    @Path("moves/{id}/cleanup")
    @RolesAllowed(Caller.OPERATOR)
    public MoveStatus cleanup(@PathParam("id") long id) {
        moveStatus(id);
        return mapped(() -> moves.cleanup(id));
    }

    @GET
    @Path("shards")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public Topology shards() {
        return new Topology(admin.routingVersion(), admin.shards(), admin.shardedTables());
    }

    @POST
    @Path("shards")
    @RolesAllowed(Caller.OPERATOR)
    public Response addShard(NewShard shard) {
        if (shard == null || shard.name() == null || shard.url() == null) {
            throw ProblemException.badRequest("send {\"name\": ..., \"url\": \"jdbc:mysql://host:port/db\", \"keyRange\": \"40-80\" or null}");
        }
        ShardInfo info = mapped(() -> admin.addShard(shard.name(), shard.url(), shard.keyRange()));
        return Response.status(201).entity(info).build();
    }

    @GET
    @Path("shards/{shard}/replicas")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<ReplicaInfo> replicas(@PathParam("shard") String shard) {
        return mapped(() -> replicas.replicas(shard));
    }

    @POST
    @Path("shards/{shard}/replicas")
    @RolesAllowed(Caller.OPERATOR)
    public Response addReplica(@PathParam("shard") String shard, NewReplica r) {
        if (r == null || r.url() == null || r.url().isBlank()) {
            throw ProblemException.badRequest("send {\"url\": \"jdbc:mysql://host:port/db\"} (a running GTID replica of the shard's primary)");
        }
        return Response.status(201).entity(mapped(() -> replicas.addReplica(shard, r.url()))).build();
    }

    @DELETE
    @Path("shards/{shard}/replicas")
    @RolesAllowed(Caller.OPERATOR)
    public Response removeReplica(@PathParam("shard") String shard, @javax.ws.rs.QueryParam("url") String url) {
        if (url == null || url.isBlank()) {
            throw ProblemException.badRequest("name the replica: ?url=jdbc:mysql://...");
        }
        mapped(() -> {
            replicas.removeReplica(shard, url);
            return null;
        });
        return Response.noContent().build();
    }

    @POST
    @Path("shards/{shard}/switchover")
    @RolesAllowed(Caller.OPERATOR)
    public SwitchoverStatus switchover(@PathParam("shard") String shard, SwitchoverRequest r) {
        return mapped(() -> replicas.switchover(shard, r == null ? null : r.replica()));
    }

    @POST
    @Path("shards/{shard}/failover")
    @RolesAllowed(Caller.OPERATOR)
    public SwitchoverStatus failover(@PathParam("shard") String shard) {
        return mapped(() -> replicas.failover(shard));
    }

    @GET
    @Path("switchovers")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<SwitchoverStatus> switchovers() {
        return replicas.history(100);
    }

    @GET
    @Path("switchovers/{id}")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public SwitchoverStatus switchoverStatus(@PathParam("id") long id) {
        return replicas.status(id).orElseThrow(() -> ProblemException.notFound("no switchover " + id));
    }

    @GET
    @Path("tenants/{tenant}")
    public TenantLocation locate(@PathParam("tenant") TenantId tenant, @Context SecurityContext security) {
        return forCaller(router.locate(tenant), security != null && security.isUserInRole(Caller.TENANT));
    }

    /** A tenant token reads where its data lives by key range, not the shard's name (operators' topology). */
    static TenantLocation forCaller(TenantLocation l, boolean tenant) {
        return tenant ? new TenantLocation(l.tenant(), l.keyspaceId(), null, l.keyRange(), l.pinned(), l.routingVersion()) : l;
    }

    @PUT
    @Path("tenants/{tenant}/pin")
    @RolesAllowed(Caller.OPERATOR)
    public TenantLocation pin(@PathParam("tenant") TenantId tenant, Pin pin) {
        if (pin == null || pin.shard() == null || pin.shard().isBlank()) {
            throw ProblemException.badRequest("send {\"shard\": \"<shard name>\"}");
        }
        return mapped(() -> admin.pin(tenant, pin.shard()));
    }

    @DELETE
    @Path("tenants/{tenant}/pin")
    @RolesAllowed(Caller.OPERATOR)
    public TenantLocation unpin(@PathParam("tenant") TenantId tenant) {
        return mapped(() -> admin.unpin(tenant));
    }

    @GET
    @Path("load")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<TenantLoad> load() {
        return admin.tenantLoad();
    }

    @POST
    @Path("scatter")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public ScatterResult scatter(ScatterQuery q) {
        if (q == null || q.sql() == null || q.sql().isBlank()) {
            throw ProblemException.badRequest("send {\"sql\": \"SELECT ...\", \"params\": [...], \"timeoutMillis\": 5000}");
        }
        long timeout = q.timeoutMillis() == null ? 5000 : q.timeoutMillis();
        if (timeout < 1 || timeout > 60_000) {
            throw ProblemException.badRequest("timeoutMillis must be 1 to 60000");
        }
        io.headroom.sharding.api.ReadPreference reads;
        try {
            reads = io.headroom.sharding.api.ReadPreference.parse(q.readPreference());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
        return mapped(() -> router.scatter(q.sql(), q.params(), Duration.ofMillis(timeout), reads));
    }

    /** The one place sharding errors become problem responses. */
    static <T> T mapped(Supplier<T> call) {
        try {
            return call.get();
        } catch (TenantOverLimitException e) {
            throw ProblemException.tooManyRequests(e.getMessage(), 1);
        } catch (ShardUnavailableException e) {
            throw ProblemException.unavailable(e.getMessage(), 2);
        } catch (ShardQueryException e) {
            throw ProblemException.badRequest(e.getMessage());
        } catch (IllegalStateException e) {
            throw ProblemException.conflict(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
    }

}
