package io.headroom.sharding.internal.rest;

import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.DirectEndpoint;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.sharding.api.ShardRouter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * POST /api/sharding/tenants/{tenant}/sql served directly by the REST host, without JAX-RS dispatch (which cost more
 * CPU than the statement): the same request and answer documents, status codes and problem documents as
 * {@link ShardingResource#sql}, which serves the path whenever this endpoint is not registered. The host has already
 * authenticated the caller and confined it to the path's tenant; a statement held at a move's fence suspends the
 * exchange, so it holds no server thread while it waits.
 */
@Component(service = DirectEndpoint.class, property = DirectEndpoint.PATH + "=/sharding/tenants/{tenant}/sql",
        configurationPid = "io.headroom.sharding")
public final class DataEndpoint implements DirectEndpoint {
    /**
     * Beyond the request's hold and statement timeouts (a connection's wait, a cancel's round trip): a suspended request
     * the Data API never answered gets the host's 503.
     */
    static final long SUSPEND_MARGIN_MILLIS = 5_000;

    private final DataApi data;

    @Activate
    public DataEndpoint(@Reference ShardRouter router, Map<String, Object> config) {
        this.data = new DataApi(router, DataApi.Limits.of(config));
    }

    @Deactivate
    void deactivate() {
        data.close();
    }

    @Override
    public void serve(Caller caller, Exchange exchange) throws IOException {
        if (!json(exchange.header("Content-Type"))) {
            throw new ProblemException(415, "unsupported media type; send application/json"); // as JAX-RS's @Consumes answers
        }
        ShardingResource.SqlRequest request = exchange.readJson(ShardingResource.SqlRequest.class);
        data.submit(exchange.tenant(), request, new DataApi.Reply() {
            @Override
            public void holding(Duration answerWithin) {
                exchange.suspend(answerWithin.plusMillis(SUSPEND_MARGIN_MILLIS));
            }

            @Override
            public void ok(Object body, long heldMillis) {
                if (heldMillis >= 0) {
                    exchange.header(DataApi.HELD_HEADER, Long.toString(heldMillis));
                }
                try {
                    exchange.writeJson(200, body);
                } catch (IOException e) {
                    exchange.complete();
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public void failed(RuntimeException error) {
                try {
                    exchange.fail(error);
                } catch (IOException e) {
                    exchange.complete();
                    throw new UncheckedIOException(e);
                }
            }
        });
    }

    /** No type (JAX-RS reads it as any) or application/json with any parameters. */
    static boolean json(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return true;
        }
        return contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT).equals("application/json");
    }
}
