package io.headroom.core.internal.rest;

import io.headroom.core.api.audit.AuditEntry;
import io.headroom.core.api.audit.AuditLog;
import io.headroom.core.api.metrics.Counter;
import io.headroom.core.api.metrics.Histogram;
import io.headroom.core.api.metrics.Metrics;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.DirectEndpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import javax.servlet.AsyncContext;
import javax.servlet.AsyncEvent;
import javax.servlet.AsyncListener;
import javax.servlet.DispatcherType;
import javax.servlet.ReadListener;
import javax.servlet.ServletConfig;
import javax.servlet.ServletException;
import javax.servlet.ServletInputStream;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletRequestWrapper;
import javax.servlet.http.HttpServletResponse;
import org.apache.cxf.transport.servlet.CXFNonSpringServlet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The servlet at /api. Before CXF sees a request it assigns a request id, refuses bodies over the limit, answers
 * unknown paths, and admits the request through the path's {@link EndpointGate} (holding it while the path's
 * resource is being replaced). Everything after that is CXF's JAX-RS dispatch, or a {@link DirectEndpoint} registered
 * for the path (a fixed path or a template with a tenant segment), with the checks of {@link AuthFilter} applied here.
 *
 * <p>The servlet is asynchronous: a request held at the gate is suspended (no thread waits for the path to come back)
 * and dispatched again once admitted or turned away, and a resource may suspend a request too (JAX-RS
 * {@code AsyncResponse} or a {@code CompletionStage} result), e.g. to hold a write at a fence. A request counts as in
 * flight for the gate until its response is complete, whichever thread completes it.
 *
 * <p>Each request is recorded once when its response is complete (latency by endpoint template, method and status;
 * an operator's changes also in the audit log), and its id is in the MDC of the log lines written on the threads that
 * serve it.
 */
final class GatewayServlet extends HttpServlet {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayServlet.class);
    static final String REQUEST_ID = "X-Request-Id";
    private static final long serialVersionUID = 1L;
    /**
     * The most of a refused body read and discarded (so the client reads the answer on a connection it can reuse);
     * the rest of a larger one is never read: the connection is closed after the answer.
     */
    private static final long SWALLOW_BYTES = 65_536;
    /** The header a script adds to a state-changing POST that has no JSON body; a cross-site HTML form cannot. */
    static final String REQUESTED_BY = "X-Requested-By";
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    private static final String ADMITTED = GatewayServlet.class.getName() + ".admitted";
    private static final String REQUEST_ID_ATTRIBUTE = GatewayServlet.class.getName() + ".requestId";
    private static final String STARTED = GatewayServlet.class.getName() + ".started";
    /** The request's capped body stream, once someone asked for it (see {@link #leaveUnreadBody}). */
    private static final String BODY = GatewayServlet.class.getName() + ".body";
    static final String MDC_REQUEST_ID = "requestId";

    private final transient CXFNonSpringServlet cxf;
    private final transient Map<String, EndpointGate> gates = new ConcurrentHashMap<>();
    private final transient ScheduledExecutorService holdTimer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "headroom-rest-hold-timer");
        t.setDaemon(true);
        return t;
    });
    private final transient DirectRoutes directs = new DirectRoutes();
    private final transient AuthFilter auth;
    private final long maxBodyBytes;
    private final long holdMillis;
    private final long bodyDeadlineMillis;
    private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");
    private final transient Meters meters;
    private final transient Supplier<AuditLog> audit;

    /** {@code metrics} null: nothing is measured (the benchmark's baseline); {@code audit} answers null while absent. */
    GatewayServlet(CXFNonSpringServlet cxf, AuthFilter auth, long maxBodyBytes, long holdMillis, long bodyDeadlineMillis,
            Metrics metrics, Supplier<AuditLog> audit) {
        this.cxf = cxf;
        this.auth = auth;
        this.maxBodyBytes = maxBodyBytes;
        this.holdMillis = holdMillis;
        this.bodyDeadlineMillis = bodyDeadlineMillis;
        this.meters = metrics == null ? null : new Meters(metrics);
        this.audit = audit;
    }

    /** The REST host's meters (Prometheus names; the endpoint label is the matched resource's path template). */
    private static final class Meters {
        final Histogram requests;
        final Counter holds;
        final Counter unavailable;

        Meters(Metrics metrics) {
            requests = metrics.histogram("headroom_rest_request_duration_seconds",
                    "REST requests by endpoint template, method and status: time until the response was complete",
                    Metrics.LATENCY_SECONDS, "endpoint", "method", "status");
            holds = metrics.counter("headroom_rest_gate_holds", "Requests held at a path's gate while its resource was replaced", "path");
            unavailable = metrics.counter("headroom_rest_gate_unavailable",
                    "Requests answered 503 at a path's gate (its resource did not come back in time)", "path");
        }
    }

    /** Serves POSTs to the route's path (below the alias) directly; false when another endpoint has it. */
    boolean putDirect(DirectRoutes.Route route) {
        return directs.put(route);
    }

    void removeDirect(String path, DirectEndpoint endpoint) {
        directs.remove(path, endpoint);
    }

    EndpointGate gate(String segment) {
        return gates.computeIfAbsent(segment, s -> new EndpointGate());
    }

    /** Forgets a path whose bundle is gone for good: its requests get 404 at once instead of being held. */
    void removeGate(String segment) {
        gates.remove(segment);
    }

    @Override
    public void init(ServletConfig config) throws ServletException {
        super.init(config);
        cxf.init(config);
    }

    @Override
    public void destroy() {
        holdTimer.shutdownNow();
        cxf.destroy();
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        String segment = firstSegment(req.getPathInfo());
        EndpointGate gate = segment == null ? null : gates.get(segment);
        try {
            dispatch(req, resp, segment, gate);
        } finally {
            if (!req.isAsyncStarted()) {
                leaveUnreadBody(req, resp);
                completed(req, resp, gate == null ? null : segment);
            }
            MDC.remove(MDC_REQUEST_ID);
            MDC.remove(RequestTags.MDC_TENANT);
        }
    }

    private void dispatch(HttpServletRequest req, HttpServletResponse resp, String segment, EndpointGate gate)
            throws ServletException, IOException {
        if (req.getDispatcherType() == DispatcherType.ASYNC) {
            String requestId = (String) req.getAttribute(REQUEST_ID_ATTRIBUTE);
            MDC.put(MDC_REQUEST_ID, requestId);
            if (req.getAttribute(ADMITTED) instanceof Boolean admitted) { // back from a hold at the gate
                req.removeAttribute(ADMITTED);
                if (admitted && gate != null) {
                    serve(req, resp, gate, requestId);
                } else {
                    unavailable(resp, segment, requestId);
                }
            } else { // a resource resumed a request it suspended: admitted and counted already
                cxf.service(new GatewayRequest(req, requestId, maxBodyBytes, bodyDeadlineMillis), resp);
            }
            return;
        }
        String clientId = req.getHeader(REQUEST_ID);
        String requestId = clientId != null && CLIENT_ID.matcher(clientId).matches() ? clientId : newRequestId();
        resp.setHeader(REQUEST_ID, requestId);
        req.setAttribute(REQUEST_ID_ATTRIBUTE, requestId);
        req.setAttribute(STARTED, System.nanoTime());
        MDC.put(MDC_REQUEST_ID, requestId);
        if (gate == null) {
            problem(resp, Problem.of(404, "no API at " + req.getRequestURI(), requestId));
            return;
        }
        if (crossSiteForgeable(req.getMethod(), req.getHeader("Authorization"), req.getContentType(), req.getHeader(REQUESTED_BY))) {
            problem(resp, Problem.of(403, "a POST with operator credentials needs a JSON body (Content-Type: application/json)"
                    + " or an " + REQUESTED_BY + " header, so that a page of another site cannot send it", requestId));
            return;
        }
        if (req.getContentLengthLong() > maxBodyBytes) {
            swallow(req);
            problem(resp, Problem.of(413, "request body is larger than the limit of " + maxBodyBytes + " bytes", requestId));
            return;
        }
        if (gate.tryEnter()) {
            serve(req, resp, gate, requestId);
            return;
        }
        if (holdMillis <= 0 || !req.isAsyncSupported()) {
            unavailable(resp, segment, requestId);
            return;
        }
        if (meters != null) {
            meters.holds.inc(segment);
        }
        AsyncContext hold = req.startAsync();
        hold.setTimeout(0); // the gate's own timer decides, then dispatches
        if (gate.enterOrHold(holdMillis, holdTimer, entered -> {
            req.setAttribute(ADMITTED, entered);
            hold.dispatch();
        })) {
            req.setAttribute(ADMITTED, Boolean.TRUE); // opened in between: go through the same dispatch
            hold.dispatch();
        }
    }

    /** Hands an admitted request to a direct endpoint or to CXF; the gate counts it until its response is complete. */
    private void serve(HttpServletRequest req, HttpServletResponse resp, EndpointGate gate, String requestId)
            throws ServletException, IOException {
        DirectRoutes.Match direct = "POST".equals(req.getMethod()) ? directs.match(req.getPathInfo()) : null;
        if (direct != null) {
            DirectCall call = null;
            try {
                call = admitDirect(direct, new GatewayRequest(req, requestId, maxBodyBytes, bodyDeadlineMillis), resp, requestId,
                        new OnComplete(gate, req, resp, this));
                if (call != null) {
                    call.serve(direct.endpoint());
                }
            } finally {
                if (call == null || !call.suspended()) { // a suspended call leaves the gate when it completes
                    gate.exit();
                }
            }
            return;
        }
        boolean suspended = false;
        try {
            cxf.service(new GatewayRequest(req, requestId, maxBodyBytes, bodyDeadlineMillis), resp);
            if (req.isAsyncStarted()) {
                req.getAsyncContext().addListener(new OnComplete(gate, req, resp, this));
                suspended = true;
            }
        } finally {
            if (!suspended) {
                gate.exit();
            }
        }
    }

    /**
     * Authentication, scope, the tenant rule and the tenant's REST limit as for every endpoint: the call to hand to the
     * endpoint, or null when the request was refused (and answered).
     */
    private DirectCall admitDirect(DirectRoutes.Match match, HttpServletRequest req, HttpServletResponse resp, String requestId,
            AsyncListener whenComplete) throws IOException {
        req.setAttribute(RequestTags.ENDPOINT_ATTRIBUTE, match.template()); // the path template: a bounded label
        Caller caller;
        try {
            caller = auth.authenticate(req.getHeader("Authorization"), req.getRemoteAddr()).orElse(null);
        } catch (RuntimeException e) {
            DirectCall.problem(resp, e, requestId, false);
            return null;
        }
        if (caller == null) {
            resp.addHeader("WWW-Authenticate", "Basic realm=\"headroom\"");
            resp.addHeader("WWW-Authenticate", "Bearer realm=\"headroom\"");
            problem(resp, Problem.of(401, "authentication required: send 'Authorization: Bearer <api token>'"
                    + " or operator Basic credentials", requestId));
            return null;
        }
        req.setAttribute(AuthFilter.CALLER_ATTRIBUTE, caller);
        String segment = firstSegment(req.getPathInfo());
        String outOfScope = auth.scopeDenied(req.getHeader("Authorization"), req.getMethod(), segment);
        if (outOfScope != null) {
            problem(resp, Problem.of(403, outOfScope, requestId));
            return null;
        }
        TenantId tenant = null;
        if (match.tenant() != null) {
            AuthFilter.Confined confined = AuthFilter.confine(caller, match.tenant());
            if (confined.refused()) {
                problem(resp, Problem.of(confined.status(), confined.detail(), requestId));
                return null;
            }
            tenant = confined.tenant();
            MDC.put(RequestTags.MDC_TENANT, tenant.value());
        } else {
            caller.tenantScope().ifPresent(t -> MDC.put(RequestTags.MDC_TENANT, t.value()));
        }
        // a templated path counts load as the JAX-RS resource it stands in for (by segment); a fixed path by itself
        TenantId accounted = match.tenant() != null ? AuthFilter.accounted(caller, tenant) : caller.tenantScope().orElse(null);
        int retryAfter = accounted == null ? 0 : auth.admit(accounted, match.tenant() != null ? "/" + segment : req.getPathInfo());
        if (retryAfter > 0) {
            resp.setHeader("Retry-After", Integer.toString(retryAfter));
            problem(resp, Problem.of(429, "tenant " + accounted + " is over its REST limit; retry in " + retryAfter + " s", requestId));
            return null;
        }
        return new DirectCall(req, resp, requestId, caller, tenant, whenComplete);
    }

    private void unavailable(HttpServletResponse resp, String segment, String requestId) throws IOException {
        if (meters != null) {
            meters.unavailable.inc(segment);
        }
        resp.setHeader("Retry-After", "1");
        problem(resp, Problem.of(503, "/" + segment + " is not available right now (its bundle is restarting or"
                + " stopped); retry shortly", requestId));
    }

    /**
     * Records a request whose response is complete, once (a resumed request completes both at the end of its dispatch
     * and in its listener). {@code segment} is null for a path no resource was ever published at: those are all one
     * label, whatever the client asked for.
     */
    private void completed(HttpServletRequest req, HttpServletResponse resp, String segment) {
        if (!(req.getAttribute(STARTED) instanceof Long started)) {
            return;
        }
        req.removeAttribute(STARTED);
        Object endpoint = req.getAttribute(RequestTags.ENDPOINT_ATTRIBUTE);
        String label = endpoint instanceof String e ? e : segment == null ? "unknown" : "/" + segment;
        String status = Integer.toString(resp.getStatus());
        if (meters != null) {
            meters.requests.observe((System.nanoTime() - started) / 1e9, label, req.getMethod(), status);
        }
        AuditLog log;
        if (!READS.contains(req.getMethod()) && req.getAttribute(AuthFilter.CALLER_ATTRIBUTE) instanceof Caller caller
                && Caller.OPERATOR.equals(caller.role()) && (log = audit.get()) != null) {
            String query = req.getQueryString();
            log.record(AuditEntry.of(caller.name(), "rest", req.getMethod() + " " + label,
                    req.getRequestURI() + (query == null ? "" : "?" + query), status, (String) req.getAttribute(REQUEST_ID_ATTRIBUTE)));
        }
    }

    /** Leaves the gate and records the request when a suspended request's response is done, however it ended. */
    private record OnComplete(EndpointGate gate, HttpServletRequest req, HttpServletResponse resp, GatewayServlet servlet)
            implements AsyncListener {
        @Override
        public void onComplete(AsyncEvent event) {
            gate.exit();
            servlet.completed(req, resp, firstSegment(req.getPathInfo()));
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            // onComplete follows
        }

        @Override
        public void onError(AsyncEvent event) {
            // onComplete follows
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this); // listeners are per async cycle
        }
    }

    /**
     * Reads and discards a refused body of moderate size (within the body deadline), so the client, still writing it,
     * reads the 413 on a connection it can use again (Tomcat's maxSwallowSize does the same); the rest of anything
     * larger is never read (see {@link #leaveUnreadBody}).
     */
    private void swallow(HttpServletRequest req) {
        if (req.getContentLengthLong() <= SWALLOW_BYTES) {
            try {
                LimitedInputStream body = new LimitedInputStream(req.getInputStream(), SWALLOW_BYTES, bodyDeadlineMillis,
                        req.getContentLengthLong());
                req.setAttribute(BODY, body);
                body.transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) { // trickled past the deadline, or the client went away: closed as any unread body
                LOG.debug("a refused body was not read to its end: {}", e.toString());
            }
        }
    }

    /**
     * Makes sure the rest of a body nobody read is not read, whatever the answer. Jetty 9.4 (under pax-web) reads and
     * discards a request body left unread until the client's EOF when the response says {@code Connection: close} or
     * is still uncommitted when the request ends (it adds that header itself): a refused multi-megabyte upload was
     * swallowed whole. Over a persistent response that is committed it reads only what keeps arriving without
     * waiting, then closes: bounded by a declared length of at most {@value #SWALLOW_BYTES}, but not for a client
     * that keeps writing fast. So no answer here sets {@code Connection: close}, one not committed yet is committed
     * (flushed) now, and when the rest is larger or of unknown length the connection is closed at once.
     */
    private static void leaveUnreadBody(HttpServletRequest req, HttpServletResponse resp) {
        if (!hasBody(req) || req.getAttribute(BODY) instanceof LimitedInputStream body && body.ended()) {
            return;
        }
        try {
            if (!resp.isCommitted()) {
                resp.flushBuffer();
            }
            if (req.getContentLengthLong() < 0 || req.getContentLengthLong() > SWALLOW_BYTES) {
                closeConnection(req);
            }
        } catch (IOException e) { // the client went away
            LOG.debug("an answer over an unread body was not written: {}", e.toString());
        }
    }

    /**
     * Ends the request's connection now, its answer written: Jetty's own {@code HttpChannel.abort}, reached through
     * the servlet API's wrappers by reflection so that the bundle does not depend on Jetty (another servlet container
     * just keeps its own behaviour).
     */
    private static void closeConnection(HttpServletRequest req) {
        javax.servlet.ServletRequest r = req;
        while (r instanceof javax.servlet.ServletRequestWrapper w) {
            r = w.getRequest();
        }
        try {
            Object channel = r.getClass().getMethod("getHttpChannel").invoke(r);
            channel.getClass().getMethod("abort", Throwable.class).invoke(channel, new IOException("a refused body is not read"));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("the connection of a refused body was left to the container: {}", e.toString());
        }
    }

    private static boolean hasBody(HttpServletRequest req) {
        return req.getContentLengthLong() > 0 || req.getContentLengthLong() < 0 && req.getHeader("Transfer-Encoding") != null;
    }

    /**
     * A POST that a page of another origin could make with an operator's cached Basic credentials (an HTML form: no
     * body type beyond form/multipart/text, no custom header). Such a request must name a JSON body or carry
     * {@value #REQUESTED_BY}; bearer tokens are never sent by a browser on its own, so they are not concerned.
     */
    static boolean crossSiteForgeable(String method, String authorization, String contentType, String requestedBy) {
        if (!"POST".equals(method) || authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)
                || requestedBy != null) {
            return false;
        }
        if (contentType == null || contentType.isBlank()) {
            return true;
        }
        String type = contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
        return type.equals("application/x-www-form-urlencoded") || type.equals("multipart/form-data") || type.equals("text/plain");
    }

    /** 128 random bits in hex: unique enough to trace a request, without SecureRandom's lock on every call. */
    static String newRequestId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] id = new char[32];
        for (int half = 0; half < 2; half++) {
            long bits = r.nextLong();
            for (int i = 0; i < 16; i++) {
                id[half * 16 + i] = HEX[(int) (bits >>> (60 - 4 * i)) & 0xf];
            }
        }
        return new String(id);
    }

    static String firstSegment(String pathInfo) {
        if (pathInfo == null || pathInfo.length() < 2) {
            return null;
        }
        int end = pathInfo.indexOf('/', 1);
        return end < 0 ? pathInfo.substring(1) : pathInfo.substring(1, end);
    }

    static void problem(HttpServletResponse resp, Problem problem) throws IOException {
        resp.setStatus(problem.status());
        resp.setContentType(Problem.MEDIA_TYPE);
        JsonProvider.MAPPER.writeValue(resp.getOutputStream(), problem);
    }

    /** Exposes the request id as a header to JAX-RS and caps the body stream. */
    private static final class GatewayRequest extends HttpServletRequestWrapper {
        private final String requestId;
        private final long limit;
        private final long deadlineMillis;
        private ServletInputStream limited;

        GatewayRequest(HttpServletRequest request, String requestId, long limit, long deadlineMillis) {
            super(request);
            this.requestId = requestId;
            this.limit = limit;
            this.deadlineMillis = deadlineMillis;
        }

        @Override
        public String getHeader(String name) {
            return REQUEST_ID.equalsIgnoreCase(name) ? requestId : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return REQUEST_ID.equalsIgnoreCase(name) ? Collections.enumeration(List.of(requestId)) : super.getHeaders(name);
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            List<String> names = Collections.list(super.getHeaderNames());
            if (names.stream().noneMatch(REQUEST_ID::equalsIgnoreCase)) {
                names.add(REQUEST_ID);
            }
            return Collections.enumeration(names);
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (limited == null) {
                limited = new LimitedInputStream(super.getInputStream(), limit, deadlineMillis, getContentLengthLong());
                setAttribute(BODY, limited);
            }
            return limited;
        }
    }

    /**
     * Caps a body's size, and its time: a client that trickles a body is cut off once {@code deadlineMillis} have
     * passed since the first read (each blocking read is further bounded by the server's idle timeout).
     */
    static final class LimitedInputStream extends ServletInputStream {
        private final ServletInputStream in;
        private final long limit;
        private final long deadlineMillis;
        private final long declared;
        private final long started = System.nanoTime();
        private long read;
        private volatile boolean ended;

        /** {@code declared}: the request's Content-Length, or -1 (chunked, or none). */
        LimitedInputStream(ServletInputStream in, long limit, long deadlineMillis, long declared) {
            this.in = in;
            this.limit = limit;
            this.deadlineMillis = deadlineMillis;
            this.declared = declared;
        }

        /** Whether the whole body was read (its declared length, or the end of the stream). */
        boolean ended() {
            return ended || declared >= 0 && read >= declared;
        }

        private void checkDeadline() throws BodyTimeoutException {
            if (deadlineMillis > 0 && System.nanoTime() - started > deadlineMillis * 1_000_000) {
                throw new BodyTimeoutException(deadlineMillis);
            }
        }

        @Override
        public int read() throws IOException {
            checkDeadline();
            int b = in.read();
            if (b >= 0) {
                count(1);
            } else {
                ended = true;
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            checkDeadline();
            int n = in.read(buf, off, len);
            if (n > 0) {
                count(n);
            } else if (n < 0) {
                ended = true;
            }
            return n;
        }

        private void count(int n) throws BodyTooLargeException {
            read += n;
            if (read > limit) {
                throw new BodyTooLargeException(limit);
            }
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }
    }
}
