package io.headroom.core.internal.status;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.store.ControlStore;
import io.headroom.core.internal.resources.HealthResource;
import io.headroom.core.internal.store.MysqlControlStore;
import io.headroom.core.internal.store.TestDatabase;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import javax.ws.rs.core.SecurityContext;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

/**
 * The health endpoints never take a database connection per call: 4,000 calls of {@code /api/health},
 * {@code /health/live} and {@code /health/ready} from four threads, anonymous and as an operator, against a control
 * store on the real MariaDB whose DataSource counts every connection taken and on which thread. Only the background
 * probe takes connections (about one a second); the threads serving health calls take none.
 */
public class HealthWithoutDatabaseTest {
    private String schema;
    private MysqlControlStore real;
    private PlatformStatus status;
    private final ThreadLocal<Boolean> serving = ThreadLocal.withInitial(() -> false);
    private final AtomicInteger takenServing = new AtomicInteger();
    private final AtomicInteger takenElsewhere = new AtomicInteger();

    @Before
    public void setUp() throws Exception {
        schema = TestDatabase.newSchema();
        real = TestDatabase.store(schema);
        DataSource counting = proxy(DataSource.class, (p, m, a) -> {
            if (m.getName().equals("getConnection")) {
                (serving.get() ? takenServing : takenElsewhere).incrementAndGet();
            }
            return call(real.dataSource(), m, a);
        });
        ControlStore store = proxy(ControlStore.class, (p, m, a) -> m.getName().equals("dataSource") ? counting : call(real, m, a));
        status = new PlatformStatus(framework(), store, proxy(ServiceComponentRuntime.class, (p, m, a) -> List.of()));
    }

    @After
    public void tearDown() {
        if (status != null) {
            status.deactivate();
        }
        real.deactivate();
        TestDatabase.server().dropSchema(schema);
    }

    @Test
    public void healthCallsTakeNoDatabaseConnection() throws Exception {
        HealthResource health = new HealthResource(status);
        // the probe asks the store at start and then once a second: wait for a background round, so the count works
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (takenElsewhere.get() < 2 && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertTrue("the probe took connections through the counting DataSource: " + takenElsewhere.get(), takenElsewhere.get() >= 2);
        SecurityContext anonymous = proxy(SecurityContext.class, (p, m, a) -> m.getName().equals("isUserInRole") ? false : null);
        SecurityContext operator = proxy(SecurityContext.class, (p, m, a) -> m.getName().equals("isUserInRole") ? Caller.OPERATOR.equals(a[0]) : null);
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(callers.submit(() -> {
                    serving.set(true);
                    int calls = 0;
                    for (int i = 0; i < 250; i++) {
                        assertEquals(Map.of("status", "DEGRADED"), health.health(anonymous)); // no REST host here: DEGRADED
                        assertTrue(health.health(operator) instanceof PlatformStatus.Report);
                        health.live();
                        health.ready(operator);
                        calls += 4;
                    }
                    return calls;
                }));
            }
            int calls = 0;
            for (Future<Integer> f : done) {
                calls += f.get(120, TimeUnit.SECONDS);
            }
            assertEquals(4_000, calls);
        } finally {
            callers.shutdownNow();
        }
        assertEquals("connections taken by health calls", 0, takenServing.get());
        PlatformStatus.Report report = status.report();
        assertEquals("the store's state comes from the background probe", "UP", report.controlStore().status());
    }

    /** The framework of a node with no capability bundles, past its start level, with no Karaf features service. */
    private static BundleContext framework() {
        FrameworkStartLevel level = proxy(FrameworkStartLevel.class, (p, m, a) -> m.getName().equals("getStartLevel") ? 100 : null);
        Bundle system = proxy(Bundle.class, (p, m, a) -> switch (m.getName()) {
            case "adapt" -> level;
            case "getSymbolicName" -> "org.apache.felix.framework";
            default -> null;
        });
        return proxy(BundleContext.class, (p, m, a) -> switch (m.getName()) {
            case "getBundles" -> new Bundle[0];
            case "getBundle" -> system;
            case "getServiceReferences" -> List.of();
            default -> null; // no service references, no properties
        });
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, InvocationHandler handler) {
        return (T) Proxy.newProxyInstance(HealthWithoutDatabaseTest.class.getClassLoader(), new Class<?>[] {type}, handler);
    }

    private static Object call(Object target, Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
