package io.headroom.core.internal.rest;

import com.fasterxml.jackson.core.JsonParser;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.DirectEndpoint;
import io.headroom.core.api.rest.ProblemException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.servlet.AsyncContext;
import javax.servlet.AsyncEvent;
import javax.servlet.AsyncListener;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.slf4j.LoggerFactory;

/**
 * One request to a {@link DirectEndpoint}: its request and response, JSON and problem documents written as on JAX-RS
 * endpoints, and its suspension. {@code whenComplete} is added to the asynchronous context the moment the exchange is
 * suspended (before any other thread can complete it), so the gate and the metrics see every suspended request end.
 */
final class DirectCall implements DirectEndpoint.Exchange, AsyncListener {
    private final HttpServletRequest req;
    private final HttpServletResponse resp;
    private final String requestId;
    private final Caller caller;
    private final TenantId tenant;
    private final boolean privileged;
    private final AsyncListener whenComplete;
    private final AtomicBoolean completed = new AtomicBoolean();
    private volatile AsyncContext async;

    DirectCall(HttpServletRequest req, HttpServletResponse resp, String requestId, Caller caller, TenantId tenant,
            AsyncListener whenComplete) {
        this.req = req;
        this.resp = resp;
        this.requestId = requestId;
        this.caller = caller;
        this.tenant = tenant;
        this.privileged = ProblemMapper.privileged(caller);
        this.whenComplete = whenComplete;
    }

    /** Runs the endpoint for the authenticated caller; what it throws becomes a problem document when nothing was sent yet. */
    void serve(DirectEndpoint endpoint) throws IOException {
        try {
            endpoint.serve(caller, this);
        } catch (RuntimeException e) {
            if (!resp.isCommitted()) {
                fail(e);
                return;
            }
            complete();
            if (!suspended()) {
                throw e;
            }
            LoggerFactory.getLogger(DirectCall.class).error("request {} failed after its answer had begun", requestId, e);
        }
    }

    boolean suspended() {
        return async != null;
    }

    @Override
    public String header(String name) {
        return req.getHeader(name);
    }

    @Override
    public String requestId() {
        return requestId;
    }

    @Override
    public InputStream body() throws IOException {
        return req.getInputStream();
    }

    @Override
    public void status(int status) {
        resp.setStatus(status);
    }

    @Override
    public void header(String name, String value) {
        resp.setHeader(name, value);
    }

    @Override
    public OutputStream output(String contentType) throws IOException {
        resp.setContentType(contentType);
        return resp.getOutputStream();
    }

    @Override
    public TenantId tenant() {
        return tenant;
    }

    @Override
    public <T> T readJson(Class<T> type) throws IOException {
        try (JsonParser p = JsonProvider.MAPPER.createParser(req.getInputStream())) {
            if (p.nextToken() == null) {
                throw JsonProvider.bodyRequired();
            }
            T value = JsonProvider.MAPPER.readValue(p, type);
            if (value == null) {
                throw JsonProvider.bodyRequired();
            }
            return value;
        } catch (IOException e) {
            ProblemException refusal = JsonProvider.refusal(e);
            if (refusal == null) {
                throw e;
            }
            throw refusal;
        }
    }

    @Override
    public void writeJson(int status, Object value) throws IOException {
        resp.setStatus(status);
        resp.setContentType("application/json");
        JsonProvider.MAPPER.writeValue(resp.getOutputStream(), value);
        complete();
    }

    @Override
    public void fail(RuntimeException error) throws IOException {
        if (resp.isCommitted()) { // too late for a problem document: the client sees the answer cut short
            complete();
            throw error;
        }
        resp.reset();
        resp.setHeader(GatewayServlet.REQUEST_ID, requestId);
        problem(resp, error, requestId, privileged);
        complete();
    }

    /** The problem document for {@code error}, as {@link ProblemMapper} makes it on JAX-RS endpoints. */
    static void problem(HttpServletResponse resp, RuntimeException error, String requestId, boolean privileged) throws IOException {
        Problems.Outcome o = Problems.classify(error);
        String detail;
        if (o.internal() && Problems.clientGone(error)) {
            detail = "the client went away";
        } else if (o.internal()) {
            LoggerFactory.getLogger(DirectCall.class).error("request {} failed", requestId, error);
            detail = "internal error; quote request id " + requestId + " when reporting it";
        } else {
            detail = privileged ? o.detail() : Problems.forTenant(o.detail());
        }
        if (o.retryAfterSeconds() != null) {
            resp.setHeader("Retry-After", Integer.toString(o.retryAfterSeconds()));
        }
        GatewayServlet.problem(resp, Problem.of(o.status(), detail, requestId));
    }

    @Override
    public void suspend(Duration timeout) {
        if (async != null) {
            return;
        }
        AsyncContext context = req.startAsync();
        context.setTimeout(Math.max(1, timeout.toMillis()));
        context.addListener(whenComplete);
        context.addListener(this);
        async = context;
    }

    @Override
    public void complete() {
        AsyncContext context = async;
        if (context != null && completed.compareAndSet(false, true)) {
            context.complete();
        }
    }

    @Override
    public void onTimeout(AsyncEvent event) throws IOException {
        if (completed.compareAndSet(false, true)) {
            if (!resp.isCommitted()) {
                resp.reset();
                resp.setHeader(GatewayServlet.REQUEST_ID, requestId);
                problem(resp, ProblemException.unavailable("the request was not answered in time; retry", 1), requestId, privileged);
            }
            event.getAsyncContext().complete();
        }
    }

    @Override
    public void onComplete(AsyncEvent event) {
        completed.set(true);
    }

    @Override
    public void onError(AsyncEvent event) {
        // onComplete follows
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // one asynchronous cycle per exchange
    }
}
