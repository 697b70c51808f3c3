package io.headroom.search.internal.rest;

import io.headroom.core.api.InvalidTenantIdException;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.core.api.rest.RestResource;
import io.headroom.search.api.CollectionInfo;
import io.headroom.search.api.DocumentWrite;
import io.headroom.search.api.ItemResult;
import io.headroom.search.api.LayoutSpec;
import io.headroom.search.api.MigrationStatus;
import io.headroom.search.api.OutboxEntry;
import io.headroom.search.api.SearchAdmin;
import io.headroom.search.api.SearchConflictException;
import io.headroom.search.api.SearchQuery;
import io.headroom.search.api.SearchResult;
import io.headroom.search.api.SearchUnavailableException;
import io.headroom.search.api.TenantSearch;
import io.headroom.search.api.UnknownCollectionException;
import io.headroom.search.api.WriteResult;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import javax.annotation.security.RolesAllowed;
import javax.ws.rs.Consumes;
import javax.ws.rs.DELETE;
import javax.ws.rs.DefaultValue;
import javax.ws.rs.GET;
import javax.ws.rs.POST;
import javax.ws.rs.PUT;
import javax.ws.rs.Path;
import javax.ws.rs.PathParam;
import javax.ws.rs.Produces;
import javax.ws.rs.QueryParam;
import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.Response;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** /api/search: collections, a tenant's documents and queries, and the migration workflow. */
@Component(service = RestResource.class, property = RestResource.PATH + "=/search")
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public final class SearchResource implements RestResource {

    /** A layout: partitions (1-64), tenants with a dedicated index, mappings and settings as JSON objects. */
    public record LayoutIn(String name, Integer partitions, List<String> dedicated, Map<String, Object> mappings, Map<String, Object> settings) {
    }

    public record DocumentIn(Long version, Map<String, Object> document) {
    }

    public record WriteIn(String id, Long version, Map<String, Object> document) {
    }

    public record BulkIn(List<WriteIn> writes) {
    }

    public record TenantsIn(List<String> tenants, Double percent, String confirm) {
    }

    private final TenantSearch search;
    private final SearchAdmin admin;

    @Activate
    public SearchResource(@Reference TenantSearch search, @Reference SearchAdmin admin) {
        this.search = search;
        this.admin = admin;
    }

    // ---- collections

    @POST
    @Path("collections")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public Response createCollection(LayoutIn in) {
        if (in == null || in.name() == null) {
            throw ProblemException.badRequest("'name' is required");
        }
        CollectionInfo c = call(() -> admin.createCollection(in.name(), spec(in)));
        return Response.status(201).entity(c).build();
    }

    @GET
    @Path("collections")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<CollectionInfo> collections() {
        return call(admin::collections);
    }

    @GET
    @Path("collections/{collection}")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public CollectionInfo collection(@PathParam("collection") String collection) {
        return call(() -> admin.collection(collection)).orElseThrow(() -> ProblemException.notFound("no collection '" + collection + "'"));
    }

    // ---- a tenant's documents

    @PUT
    @Path("collections/{collection}/tenants/{tenant}/documents/{id}")
    public WriteResult index(@PathParam("collection") String collection, @PathParam("tenant") TenantId tenant, @PathParam("id") String id,
            DocumentIn in) {
        if (in == null || in.version() == null || in.document() == null) {
            throw ProblemException.badRequest("give 'version' (a number above the stored one) and 'document' (an object)");
        }
        return call(() -> search.index(collection, tenant, id, in.version(), in.document()));
    }

    @DELETE
    @Path("collections/{collection}/tenants/{tenant}/documents/{id}")
    public WriteResult delete(@PathParam("collection") String collection, @PathParam("tenant") TenantId tenant, @PathParam("id") String id,
            @QueryParam("version") Long version) {
        if (version == null) {
            throw ProblemException.badRequest("give ?version= (a number above the stored one)");
        }
        return call(() -> search.delete(collection, tenant, id, version));
    }

    /**
     * The query language (a JSON object; see the README); a body whose {@code query} is a string is the simple query
     * string form of earlier versions.
     */
    @POST
    @Path("collections/{collection}/tenants/{tenant}/search")
    public Object search(@PathParam("collection") String collection, @PathParam("tenant") TenantId tenant, Map<String, Object> in) {
        if (in == null || in.isEmpty() || in.get("query") instanceof String) {
            Map<String, Object> q = in == null ? Map.of() : in;
            if (!q.keySet().stream().allMatch(k -> k.equals("query") || k.equals("from") || k.equals("size"))) {
                throw ProblemException.badRequest("a 'query' string goes with 'from' and 'size' only; for filters, sorting and "
                        + "aggregations give 'query' as a clause object");
            }
            return call(() -> search.search(collection, tenant, new SearchQuery((String) q.get("query"), number(q.get("from"), 0, "from"),
                    number(q.get("size"), 10, "size"))));
        }
        return call(() -> search.query(collection, tenant, in));
    }

    private static int number(Object v, int dflt, String name) {
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof Integer i)) {
            throw ProblemException.badRequest("'" + name + "' must be a whole number");
        }
        return i;
    }

    /** Up to 1,000 writes of one tenant, each with its own result: {"writes": [{"id", "version", "document" (absent: delete)}]}. */
    @POST
    @Path("collections/{collection}/tenants/{tenant}/bulk")
    public Map<String, Object> bulk(@PathParam("collection") String collection, @PathParam("tenant") TenantId tenant, BulkIn in) {
        if (in == null || in.writes() == null) {
            throw ProblemException.badRequest("give 'writes': a list of {id, version, document} (no document: a delete)");
        }
        List<DocumentWrite> writes = new java.util.ArrayList<>();
        for (WriteIn w : in.writes()) {
            if (w == null || w.version() == null) {
                throw ProblemException.badRequest("every write needs 'id' and 'version'");
            }
            writes.add(new DocumentWrite(w.id(), w.version(), w.document()));
        }
        List<ItemResult> items = call(() -> search.bulkItems(collection, tenant, writes));
        return Map.of("errors", items.stream().anyMatch(i -> i.status() >= 400), "items", items);
    }

    @GET
    @Path("collections/{collection}/tenants/{tenant}/search")
    public SearchResult searchGet(@PathParam("collection") String collection, @PathParam("tenant") TenantId tenant,
            @QueryParam("q") String text, @QueryParam("size") @DefaultValue("10") int size) {
        return call(() -> search.search(collection, tenant, new SearchQuery(text, 0, size)));
    }

    // ---- migrations

    @POST
    @Path("collections/{collection}/migrations")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public Response createMigration(@PathParam("collection") String collection, LayoutIn in) {
        if (in == null) {
            throw ProblemException.badRequest("give the target layout: partitions, dedicated, mappings, settings");
        }
        MigrationStatus m = call(() -> admin.createMigration(collection, spec(in)));
        return Response.status(201).entity(m).build();
    }

    @GET
    @Path("collections/{collection}/migrations")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<MigrationStatus> migrations(@PathParam("collection") String collection) {
        return call(() -> admin.migrations(collection));
    }

    @GET
    @Path("collections/{collection}/outbox")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<OutboxEntry> outbox(@PathParam("collection") String collection, @QueryParam("dead") boolean deadOnly,
            @QueryParam("limit") @DefaultValue("100") int limit) {
        return call(() -> admin.outbox(collection, deadOnly, limit));
    }

    @POST
    @Path("collections/{collection}/outbox/retry")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public Map<String, Integer> retryOutbox(@PathParam("collection") String collection) {
        return Map.of("retried", call(() -> admin.retryOutbox(collection)));
    }

    @GET
    @Path("migrations/{id}")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public MigrationStatus status(@PathParam("id") long id) {
        return call(() -> admin.status(id));
    }

    @POST
    @Path("migrations/{id}/{step}")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public MigrationStatus step(@PathParam("id") long id, @PathParam("step") String step, TenantsIn in) {
        TenantsIn b = in == null ? new TenantsIn(null, null, null) : in;
        Set<TenantId> tenants = tenants(b.tenants());
        return call(() -> switch (step) {
            case "start" -> admin.start(id);
            case "backfill" -> admin.backfill(id);
            case "validate" -> admin.validate(id, tenants);
            case "advance" -> admin.advance(id, b.percent(), tenants);
            case "rollback" -> admin.rollback(id, tenants);
            case "finish" -> admin.finish(id);
            case "delete-old" -> admin.deleteOld(id, b.confirm());
            case "cancel" -> admin.cancel(id);
            default -> throw ProblemException.notFound("no step '" + step
                    + "': use start, backfill, validate, advance, rollback, finish, delete-old or cancel");
        });
    }

    private static Set<TenantId> tenants(List<String> names) {
        Set<TenantId> out = new LinkedHashSet<>();
        if (names != null) {
            for (String n : names) {
                try {
                    out.add(TenantId.of(n));
                } catch (InvalidTenantIdException e) {
                    throw ProblemException.badRequest(e.getMessage());
                }
            }
        }
        return out;
    }

    private static LayoutSpec spec(LayoutIn in) {
        try {
            return new LayoutSpec(in.partitions() == null ? 1 : in.partitions(), tenants(in.dedicated()),
                    in.mappings() == null ? null : Json.write(in.mappings()), in.settings() == null ? null : Json.write(in.settings()));
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
    }

    /** The one place service errors become problem responses. */
    private static <T> T call(Supplier<T> body) {
        try {
            return body.get();
        } catch (ProblemException e) {
            throw e;
        } catch (UnknownCollectionException e) {
            throw ProblemException.notFound(e.getMessage());
        } catch (SearchConflictException e) {
            throw ProblemException.conflict(e.getMessage());
        } catch (SearchUnavailableException e) {
            throw ProblemException.unavailable(e.getMessage(), 5);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
    }
}
