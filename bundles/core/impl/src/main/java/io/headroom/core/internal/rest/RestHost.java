package io.headroom.core.internal.rest;

import io.headroom.core.api.audit.AuditLog;
import io.headroom.core.api.auth.ApiTokens;
import io.headroom.core.api.fleet.Fleet;
import io.headroom.core.api.load.TenantLimits;
import io.headroom.core.api.metrics.Metrics;
import io.headroom.core.api.rest.DirectEndpoint;
import io.headroom.core.api.rest.RestResource;
import io.headroom.core.api.signal.Signals;
import io.headroom.core.internal.auth.LoginThrottle;
import io.headroom.core.internal.auth.OperatorLogin;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.cxf.Bus;
import org.apache.cxf.BusFactory;
import org.apache.cxf.endpoint.Server;
import org.apache.cxf.jaxrs.JAXRSServerFactoryBean;
import org.apache.cxf.transport.http.DestinationRegistryImpl;
import org.apache.cxf.transport.http.HTTPTransportFactory;
import org.apache.cxf.transport.servlet.CXFNonSpringServlet;
import org.ops4j.pax.web.service.WebContainer;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.http.HttpService;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way capabilities publish REST endpoints: a whiteboard for {@link RestResource} services. Each resource
 * becomes a CXF JAX-RS server on this host's own bus and servlet (/api), with the cross-cutting providers
 * (authentication, strict JSON, problem+json, tenant parameters) applied; when the service goes away its server is
 * drained and destroyed, and requests for its path are held until it returns or answered 503.
 */
@Component(service = RestHost.class, immediate = true, configurationPid = RestHost.PID)
@Designate(ocd = RestHost.Config.class)
public final class RestHost {
    public static final String PID = "io.headroom.rest";
    private static final Logger LOG = LoggerFactory.getLogger(RestHost.class);
    private static final Pattern SEGMENT = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

    @ObjectClassDefinition(name = "Headroom REST host")
    public @interface Config {
        @AttributeDefinition(description = "Servlet alias all endpoints live under")
        String alias() default "/api";

        @AttributeDefinition(description = "Largest request body accepted, bytes")
        long maxBodyBytes() default 1_048_576;

        @AttributeDefinition(description = "How long a request waits for a restarting endpoint before a 503, ms")
        long holdMillis() default 5000;

        @AttributeDefinition(description = "How long an endpoint being removed waits for its requests in flight, ms")
        long drainMillis() default 10000;

        @AttributeDefinition(description = "JAAS realm operators log in to")
        String realm() default "karaf";

        @AttributeDefinition(description = "JAAS role that makes a user an operator")
        String operatorRole() default "admin";

        @AttributeDefinition(description = "How long a successful operator login is remembered, ms")
        long loginCacheMillis() default 60000;

        @AttributeDefinition(description = "Record every request's latency by endpoint, method and status (off only to"
                + " measure what recording costs)")
        boolean requestMetrics() default true;

        @AttributeDefinition(description = "Report each tenant's requests to the tenant load ledger and apply its REST limit"
                + " (off only to measure what that costs)")
        boolean tenantAdmission() default true;

        @AttributeDefinition(description = "How long a request body may take to arrive, ms (a client trickling it gets 408)")
        long bodyDeadlineMillis() default 30000;

        @AttributeDefinition(description = "Failed operator logins from one address for one account before each further"
                + " attempt is delayed (the address alone: four times as many)")
        int loginFreeFailures() default 5;

        @AttributeDefinition(description = "The first lock after too many failed logins, ms; it doubles with each failure")
        long loginLockMillis() default 1000;

        @AttributeDefinition(description = "The longest lock after failed logins, ms")
        long loginMaxLockMillis() default 300000;
    }

    /** A live path: the resource behind it, its CXF server, and the bundle that registered it. */
    public record Endpoint(String segment, Object resource, String bundle, Server server) {
    }

    private final HttpService http;
    private final ApiTokens tokens;
    private final Config config;
    private final OperatorLogin operators;
    private final Bus bus;
    private final HTTPTransportFactory transport;
    private final GatewayServlet servlet;
    private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
    /** The bundle that last published each path: when it is uninstalled (not restarted), its paths are 404 at once. */
    private final Map<String, Long> publishers = new ConcurrentHashMap<>();
    private final BundleContext context;
    /** Synchronous: the path is forgotten before the uninstall returns, so no request is held for it after. */
    private final SynchronousBundleListener uninstalls = event -> {
        if (event.getType() == BundleEvent.UNINSTALLED) {
            forget(event.getBundle().getBundleId());
        }
    };
    /** The audit log lives on the control schema, which may come later than the REST host (or go away). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile AuditLog audit;
    /** Tenant load and limits: the ledger and limits live on the control schema too; requests pass while they are absent. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Signals signals;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile TenantLimits limits;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Fleet fleet;
    private final TenantAdmission admission;

    @Activate
    public RestHost(@Reference HttpService http, @Reference ApiTokens tokens, @Reference Metrics metrics, Config config,
            BundleContext context) throws Exception {
        this.http = http;
        this.tokens = tokens;
        this.config = config;
        this.operators = new OperatorLogin(config.realm(), config.operatorRole(), config.loginCacheMillis(),
                new LoginThrottle(config.loginFreeFailures(), config.loginLockMillis(), config.loginMaxLockMillis(), 10_000,
                        System::currentTimeMillis));
        this.bus = withOurClassLoader(() -> BusFactory.newInstance().createBus());
        this.transport = new HTTPTransportFactory(new DestinationRegistryImpl());
        CXFNonSpringServlet cxf = new CXFNonSpringServlet(transport.getRegistry(), false);
        cxf.setBus(bus);
        this.admission = config.tenantAdmission() ? new TenantAdmission(() -> signals, () -> limits, () -> {
            Fleet f = fleet;
            return f == null ? 1 : f.liveNodes().size();
        }, System::nanoTime) : null;
        this.servlet = new GatewayServlet(cxf, new AuthFilter(tokens, operators, admission, null), config.maxBodyBytes(),
                config.holdMillis(), config.bodyDeadlineMillis(), config.requestMetrics() ? metrics : null, () -> audit);
        Hashtable<String, String> init = new Hashtable<>();
        init.put("hide-service-list-page", "true");
        if (http instanceof WebContainer web) {
            web.registerServlet(config.alias(), servlet, init, null, Boolean.TRUE, null); // asynchronous: see GatewayServlet
        } else {
            http.registerServlet(config.alias(), servlet, init, null); // a plain HttpService: held requests get 503 at once
        }
        this.context = context;
        context.addBundleListener(uninstalls);
        publish("openapi.json", new OpenApiResource(this), "io.headroom.core");
        LOG.info("REST host serving at {}", config.alias());
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(uninstalls);
        http.unregister(config.alias());
        endpoints.values().forEach(e -> e.server().destroy());
        endpoints.clear();
        bus.shutdown(false);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindResource(RestResource resource, ServiceReference<RestResource> ref) {
        String segment = segmentOf(ref);
        if (segment == null) {
            LOG.error("REST resource {} from {} has no valid {} property (one path segment like /example); not published",
                    resource.getClass().getName(), ref.getBundle().getSymbolicName(), RestResource.PATH);
            return;
        }
        publishers.put(segment, ref.getBundle().getBundleId());
        publish(segment, resource, ref.getBundle().getSymbolicName());
    }

    void unbindResource(RestResource resource, ServiceReference<RestResource> ref) {
        String segment = segmentOf(ref);
        if (segment == null) {
            return;
        }
        synchronized (this) {
            Endpoint e = endpoints.get(segment);
            if (e == null || e.resource() != resource) {
                return;
            }
            try {
                int left = servlet.gate(segment).close(config.drainMillis());
                if (left > 0) {
                    LOG.warn("/{}: {} requests still running after {} ms; removing the endpoint anyway", segment, left, config.drainMillis());
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            endpoints.remove(segment);
            e.server().destroy();
        }
        LOG.info("unpublished {}/{}", config.alias(), segment);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindDirect(DirectEndpoint endpoint, ServiceReference<DirectEndpoint> ref) {
        DirectRoutes.Route route = ref.getProperty(DirectEndpoint.PATH) instanceof String path ? DirectRoutes.parse(path, endpoint) : null;
        if (route != null && segmentOf(route.path().substring(1).split("/")[0]) != null) {
            if (servlet.putDirect(route)) {
                LOG.info("direct endpoint {}{} ({})", config.alias(), route.path(), ref.getBundle().getSymbolicName());
            } else {
                LOG.error("{}{} already has a direct endpoint; ignoring the one from {}", config.alias(), route.path(), ref.getBundle().getSymbolicName());
            }
        } else {
            LOG.error("direct endpoint from {} has no valid {} property (a path like /example/run or /example/tenants/{}/run);"
                    + " not served", ref.getBundle().getSymbolicName(), DirectEndpoint.PATH, DirectEndpoint.TENANT);
        }
    }

    void unbindDirect(DirectEndpoint endpoint, ServiceReference<DirectEndpoint> ref) {
        if (ref.getProperty(DirectEndpoint.PATH) instanceof String path) {
            servlet.removeDirect(path, endpoint);
        }
    }

    private synchronized void forget(long bundleId) {
        publishers.forEach((segment, bundle) -> {
            if (bundle == bundleId && !endpoints.containsKey(segment)) {
                publishers.remove(segment);
                servlet.removeGate(segment);
                LOG.info("{}/{}: its bundle was uninstalled; the path answers 404 from now on", config.alias(), segment);
            }
        });
    }

    private static String segmentOf(String segment) {
        return SEGMENT.matcher(segment).matches() ? segment : null;
    }

    private synchronized void publish(String segment, Object resource, String bundle) {
        Endpoint existing = endpoints.get(segment);
        if (existing != null) {
            LOG.error("{}/{} is already published by {}; ignoring {} from {}", config.alias(), segment, existing.bundle(),
                    resource.getClass().getName(), bundle);
            return;
        }
        try {
            Server server = withOurClassLoader(() -> {
                JAXRSServerFactoryBean factory = new JAXRSServerFactoryBean();
                factory.setBus(bus);
                factory.setDestinationFactory(transport);
                factory.setAddress("/" + segment);
                factory.setServiceBean(resource);
                factory.setProviders(List.of(new JsonProvider(), new ProblemMapper(), new RequestTags(segment),
                        new AuthFilter(tokens, operators, admission, segment), new TenantParamConverter()));
                return factory.create();
            });
            endpoints.put(segment, new Endpoint(segment, resource, bundle, server));
            servlet.gate(segment).open();
            LOG.info("published {}/{} ({})", config.alias(), segment, bundle);
        } catch (Exception e) {
            LOG.error("cannot publish {}/{} from {}", config.alias(), segment, bundle, e);
        }
    }

    static String segmentOf(ServiceReference<?> ref) {
        Object path = ref.getProperty(RestResource.PATH);
        if (!(path instanceof String p)) {
            return null;
        }
        String segment = p.startsWith("/") ? p.substring(1) : p;
        return SEGMENT.matcher(segment).matches() ? segment : null;
    }

    /** The live endpoints, by path. */
    public List<Endpoint> endpoints() {
        List<Endpoint> out = new ArrayList<>(endpoints.values());
        out.sort(Comparator.comparing(Endpoint::segment));
        return out;
    }

    public String alias() {
        return config.alias();
    }

    private <T> T withOurClassLoader(CheckedSupplier<T> work) throws Exception {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(RestHost.class.getClassLoader());
        try {
            return work.get();
        } finally {
            t.setContextClassLoader(previous);
        }
    }

    @FunctionalInterface
    private interface CheckedSupplier<T> {
        T get() throws Exception;
    }
}
