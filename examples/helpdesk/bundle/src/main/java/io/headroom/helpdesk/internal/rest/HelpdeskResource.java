package io.headroom.helpdesk.internal.rest;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.core.api.rest.RestResource;
import io.headroom.helpdesk.internal.HelpdeskService;
import io.headroom.helpdesk.internal.HelpdeskService.Written;
import io.headroom.llm.api.ProviderException;
import io.headroom.queue.api.QueueFullException;
import io.headroom.queue.api.QueueUnavailableException;
import io.headroom.search.api.SearchUnavailableException;
import io.headroom.search.api.UnknownCollectionException;
import io.headroom.sharding.api.ShardQueryException;
import io.headroom.sharding.api.ShardUnavailableException;
import io.headroom.sharding.api.TenantOverLimitException;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.ws.rs.Consumes;
import javax.ws.rs.DefaultValue;
import javax.ws.rs.GET;
import javax.ws.rs.POST;
import javax.ws.rs.Path;
import javax.ws.rs.PathParam;
import javax.ws.rs.Produces;
import javax.ws.rs.QueryParam;
import javax.ws.rs.core.MediaType;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * /api/helpdesk/tenants/{tenant}/...: the helpdesk's own REST surface, served by the REST host's whiteboard like any
 * capability's (the host authenticates and keeps a tenant token to its tenant). Thin: parse, call one method, map
 * errors. Every 5xx and 429 carries Retry-After, and every write may be retried with the same ids.
 */
@Component(service = RestResource.class, property = RestResource.PATH + "=/helpdesk")
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public final class HelpdeskResource implements RestResource {
    public record NewConversation(String id, String subject, String messageId, String author, String body, Boolean aiAnswer) {
    }

    public record NewMessage(String id, String author, String body) {
    }

    private final HelpdeskService helpdesk;

    @Activate
    public HelpdeskResource(@Reference HelpdeskService helpdesk) {
        this.helpdesk = helpdesk;
    }

    @POST
    @Path("tenants/{tenant}/conversations")
    public Written open(@PathParam("tenant") TenantId tenant, NewConversation body) {
        if (body == null) {
            throw ProblemException.badRequest("a body {\"id\",\"subject\",\"messageId\",\"author\",\"body\",\"aiAnswer\"} is required");
        }
        return call(() -> helpdesk.open(tenant, body.id(), body.subject(), body.messageId(), body.author(), body.body(),
                body.aiAnswer() == null || body.aiAnswer()));
    }

    @POST
    @Path("tenants/{tenant}/conversations/{conversation}/messages")
    public Written reply(@PathParam("tenant") TenantId tenant, @PathParam("conversation") String conversation, NewMessage body) {
        if (body == null) {
            throw ProblemException.badRequest("a body {\"id\",\"author\",\"body\"} is required");
        }
        return call(() -> helpdesk.reply(tenant, conversation, body.id(), body.author(), body.body()));
    }

    @GET
    @Path("tenants/{tenant}/conversations/{conversation}")
    public Map<String, Object> conversation(@PathParam("tenant") TenantId tenant, @PathParam("conversation") String conversation) {
        return call(() -> helpdesk.conversation(tenant, conversation));
    }

    @GET
    @Path("tenants/{tenant}/search")
    public Map<String, Object> search(@PathParam("tenant") TenantId tenant, @QueryParam("q") @DefaultValue("") String q,
                                      @QueryParam("from") @DefaultValue("0") int from, @QueryParam("size") @DefaultValue("20") int size) {
        List<Map<String, Object>> hits = call(() -> helpdesk.search(tenant, q, from, size));
        return Map.of("hits", hits);
    }

    private static <T> T call(Supplier<T> work) {
        try {
            return work.get();
        } catch (HelpdeskService.NotFound e) {
            throw ProblemException.notFound(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        } catch (TenantOverLimitException e) {
            throw ProblemException.tooManyRequests(e.getMessage(), 1);
        } catch (QueueFullException e) {
            throw ProblemException.tooManyRequests("too many background jobs waiting for this tenant", 1);
        } catch (ShardUnavailableException e) {
            throw ProblemException.unavailable("the conversations' database is busy or moving; retry with the same ids", 1);
        } catch (SearchUnavailableException | UnknownCollectionException e) {
            throw ProblemException.unavailable("search is not available right now; retry with the same ids", 1);
        } catch (QueueUnavailableException e) {
            throw ProblemException.unavailable("the queue is not available right now; retry with the same ids", 1);
        } catch (ShardQueryException e) {
            throw ProblemException.unavailable("the conversations' database refused the statement; retry with the same ids", 1);
        } catch (ProviderException e) {
            throw ProblemException.unavailable("no model answered", 1);
        }
    }
}
