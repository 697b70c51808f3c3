package io.headroom.sharding.internal.rest;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.sharding.api.ShardRouter;
import io.headroom.sharding.api.StatementResult;
import io.headroom.sharding.api.TenantFencedException;
import io.headroom.sharding.api.TenantShard;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The Data API's execution, whichever way it is served ({@link DataEndpoint} directly, {@link ShardingResource} through
 * JAX-RS): validates the request, runs it through the tenant's handle on the calling thread, and when the tenant is
 * fenced for a cut-over, has the request suspended ({@link Reply#holding()}) and retries it off the HTTP threads every
 * {@value #RETRY_MILLIS} ms until {@code dataFenceHoldMillis} have passed (then 503 with Retry-After).
 */
final class DataApi implements AutoCloseable {
    static final long RETRY_MILLIS = 20;
    /** Response header on a request that was held at a fence: how long, in milliseconds. */
    static final String HELD_HEADER = "Headroom-Fence-Held-Millis";

    record Limits(long fenceHoldMillis, int defaultMaxRows, int maxMaxRows, int defaultTimeoutSeconds, int maxStatements) {
        static Limits of(Map<String, Object> config) {
            return new Limits(number(config, "dataFenceHoldMillis", 5000), (int) number(config, "dataMaxRows", 1000),
                    (int) number(config, "dataMaxRowsLimit", 10_000), (int) number(config, "dataTimeoutSeconds", 10),
                    (int) number(config, "dataMaxStatements", 100));
        }

        private static long number(Map<String, Object> config, String key, long fallback) {
            Object v = config == null ? null : config.get(key);
            if (v == null) {
                return fallback;
            }
            try {
                return Long.parseLong(v.toString().trim());
            } catch (NumberFormatException e) {
                return fallback;
            }
        }
    }

    private final ShardRouter router;
    private final Limits limits;
    private final ScheduledExecutorService retries;

    DataApi(ShardRouter router, Limits limits) {
        this.router = router;
        this.limits = limits;
        this.retries = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "headroom-data-api-fence");
            t.setDaemon(true);
            return t;
        });
    }

    /** Where a call's outcome goes: exactly one of {@link #ok} or {@link #failed}, on the calling or a retry thread. */
    interface Reply {
        /**
         * The call met a fence: it will be answered later from another thread, at the latest {@code answerWithin} from
         * now (suspend the request now, for that long).
         */
        void holding(java.time.Duration answerWithin);

        /** The result; {@code heldMillis} is how long it was held at a fence, or -1 when it was not. */
        void ok(Object body, long heldMillis);

        void failed(RuntimeException error);
    }

    Limits limits() {
        return limits;
    }

    /**
     * Stops taking holds: retries already scheduled still run once (a held request gets its answer, or a 503 when it
     * would wait again), for at most a second.
     */
    @Override
    public void close() {
        retries.shutdown();
        try {
            if (!retries.awaitTermination(1, TimeUnit.SECONDS)) {
                retries.shutdownNow();
            }
        } catch (InterruptedException e) {
            retries.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** A validated request, ready to run. */
    private record Call(TenantId tenant, List<TenantShard.Statement> statements, boolean batch, int maxRows, int timeoutSeconds,
            io.headroom.sharding.api.ReadPreference reads) {
    }

    void submit(TenantId tenant, ShardingResource.SqlRequest request, Reply reply) {
        Call call;
        try {
            call = validate(tenant, request);
        } catch (RuntimeException e) {
            reply.failed(e);
            return;
        }
        attempt(call, reply, System.currentTimeMillis(), true);
    }

    private void attempt(Call call, Reply reply, long firstTry, boolean first) {
        try {
            List<StatementResult> results = ShardingResource.mapped(() -> {
                try {
                    // held here, off the HTTP threads, not inside the handle
                    return router.forTenant(call.tenant()).withFenceHold(java.time.Duration.ZERO).reading(call.reads())
                            .execute(call.statements(), call.maxRows(), call.timeoutSeconds());
                } catch (TenantFencedException fenced) {
                    throw new Held(fenced);
                } catch (RuntimeException e) {
                    throw TenantSafeErrors.of(call.tenant(), e); // no shard, host or schema names for the caller
                }
            });
            Object body = call.batch() ? new ShardingResource.SqlResults(results) : results.get(0);
            // only a call that met a fence was held (a first attempt that was merely slow was not)
            reply.ok(body, first ? -1 : System.currentTimeMillis() - firstTry);
        } catch (Held h) {
            long waited = System.currentTimeMillis() - firstTry;
            if (waited + RETRY_MILLIS > limits.fenceHoldMillis()) {
                reply.failed(ProblemException.unavailable(h.getCause().getMessage() + " (held " + waited + " ms)", 1));
                return;
            }
            try {
                if (first) {
                    reply.holding(java.time.Duration.ofMillis(answerWithinMillis(limits.fenceHoldMillis(), call.statements().size(),
                            call.timeoutSeconds())));
                }
                retries.schedule(() -> attempt(call, reply, firstTry, false), RETRY_MILLIS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                reply.failed(ProblemException.unavailable("the Data API is stopping; retry", 1));
            }
        } catch (RuntimeException e) {
            reply.failed(e);
        }
    }

    /**
     * How long a held request may take to be answered: the fence hold, then its last attempt's statements, each within
     * the request's own timeout (not the longest a request may ask for), run one after the other.
     */
    static long answerWithinMillis(long fenceHoldMillis, int statements, int timeoutSeconds) {
        return fenceHoldMillis + (long) statements * timeoutSeconds * 1000L;
    }

    /** Carries a fence out of {@link ShardingResource#mapped} (which would make it a 503 at once). */
    private static final class Held extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Held(TenantFencedException cause) {
            super(null, cause, false, false);
        }
    }

    private Call validate(TenantId tenant, ShardingResource.SqlRequest r) {
        if (r == null) {
            throw ProblemException.badRequest("send {\"sql\": \"...\", \"params\": [...]} or {\"statements\": [{\"sql\": ..., \"params\": [...]}, ...]}");
        }
        List<TenantShard.Statement> statements = new ArrayList<>();
        boolean batch = r.statements() != null;
        if (batch == (r.sql() != null)) {
            throw ProblemException.badRequest("send either \"sql\" (with \"params\") or \"statements\", not both or neither");
        }
        if (batch) {
            if (r.params() != null) {
                throw ProblemException.badRequest("\"params\" belongs inside each of \"statements\"");
            }
            if (r.statements().isEmpty() || r.statements().size() > limits.maxStatements()) {
                throw ProblemException.badRequest("\"statements\" takes 1 to " + limits.maxStatements() + " statements");
            }
            for (int i = 0; i < r.statements().size(); i++) {
                ShardingResource.SqlStatement s = r.statements().get(i);
                if (s == null || s.sql() == null || s.sql().isBlank()) {
                    throw ProblemException.badRequest("statement " + (i + 1) + " has no \"sql\"");
                }
                statements.add(new TenantShard.Statement(s.sql(), params(s.params(), i + 1)));
            }
        } else {
            if (r.sql().isBlank()) {
                throw ProblemException.badRequest("\"sql\" is empty");
            }
            statements.add(new TenantShard.Statement(r.sql(), params(r.params(), 1)));
        }
        int maxRows = r.maxRows() == null ? limits.defaultMaxRows() : r.maxRows();
        if (maxRows < 1 || maxRows > limits.maxMaxRows()) {
            throw ProblemException.badRequest("maxRows must be 1 to " + limits.maxMaxRows());
        }
        int timeout = r.timeoutSeconds() == null ? limits.defaultTimeoutSeconds() : r.timeoutSeconds();
        if (timeout < 1 || timeout > 300) {
            throw ProblemException.badRequest("timeoutSeconds must be 1 to 300");
        }
        io.headroom.sharding.api.ReadPreference reads;
        try {
            reads = io.headroom.sharding.api.ReadPreference.parse(r.readPreference());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
        return new Call(tenant, statements, batch, maxRows, timeout, reads);
    }

    /** JSON parameters as JDBC values: strings, numbers, booleans, null, and {"base64": "..."} for binary. */
    static List<Object> params(List<Object> json, int statement) {
        List<Object> out = new ArrayList<>();
        if (json == null) {
            return out;
        }
        for (int i = 0; i < json.size(); i++) {
            Object v = json.get(i);
            if (v == null || v instanceof String || v instanceof Boolean || v instanceof Integer || v instanceof Long
                    || v instanceof BigInteger || v instanceof BigDecimal) {
                out.add(v);
            } else if (v instanceof Double d) {
                out.add(BigDecimal.valueOf(d));
            } else if (v instanceof Map<?, ?> m && m.size() == 1 && m.get("base64") instanceof String b64) {
                try {
                    out.add(Base64.getDecoder().decode(b64));
                } catch (IllegalArgumentException e) {
                    throw ProblemException.badRequest("statement " + statement + ", parameter " + (i + 1) + ": not valid base64");
                }
            } else {
                throw ProblemException.badRequest("statement " + statement + ", parameter " + (i + 1)
                        + ": a parameter is a string, number, boolean, null or {\"base64\": \"...\"}");
            }
        }
        return out;
    }
}
