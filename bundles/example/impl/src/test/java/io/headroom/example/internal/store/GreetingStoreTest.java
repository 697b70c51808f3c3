package io.headroom.example.internal.store;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import io.headroom.example.api.Greeting;
import io.headroom.example.api.Greetings;
import io.headroom.example.internal.GreetingService;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.PlainControlStore;
import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.Before;
import org.junit.Test;

/** The greetings table on a real MariaDB (the machine's, or an embedded one), and the service over it. */
public class GreetingStoreTest {
    private static final TenantId ACME = TenantId.of("acme");
    private static MariaDb db;
    private String schema;
    private PlainControlStore control;
    private GreetingStore store;
    private final List<OutcomeEvent> outcomes = new CopyOnWriteArrayList<>();

    @Before
    public void setUp() {
        synchronized (GreetingStoreTest.class) {
            if (db == null) {
                db = MariaDb.machineOrEmbedded();
            }
        }
        schema = "hr_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        control = new PlainControlStore(db, schema);
        store = new GreetingStore(control);
    }

    @After
    public void tearDown() {
        db.dropSchema(schema);
    }

    @AfterClass
    public static void stopServer() {
        if (db != null) {
            db.close();
            db = null;
        }
    }

    @Test
    public void aGreetingIsStoredOnceAndOnlyOverTheVersionItWasComputedFrom() throws Exception {
        assertEquals(Optional.empty(), store.find(ACME));
        Greeting first = new Greeting(ACME, "hi", 1);
        assertTrue(store.compareAndSet(null, first));
        assertFalse("a second first greeting loses", store.compareAndSet(null, new Greeting(ACME, "other", 1)));
        assertEquals(Optional.of(first), store.find(ACME));

        Greeting second = new Greeting(ACME, "hey", 2);
        assertTrue(store.compareAndSet(first, second));
        assertFalse("computed from a stale version", store.compareAndSet(first, new Greeting(ACME, "late", 2)));
        assertEquals(Optional.of(second), store.find(ACME));
        store.compareAndSet(null, new Greeting(TenantId.of("globex"), "yo", 1));
        assertEquals(List.of(second, new Greeting(TenantId.of("globex"), "yo", 1)), store.list(10));
        assertEquals(1, store.list(1).size());
    }

    @Test
    public void concurrentUpdatesOfOneTenantAreNeverLost() throws Exception {
        Greetings service = new GreetingService(control, signals(), config("hello"));
        assertEquals(new Greeting(ACME, "hello", 0), service.greeting(ACME));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Greeting>> calls = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            int n = i;
            calls.add(pool.submit(() -> service.update(ACME, "hi " + n)));
        }
        for (Future<Greeting> f : calls) {
            f.get();
        }
        pool.shutdown();
        assertEquals(80, service.greeting(ACME).updates());
        assertEquals(80, outcomes.stream().filter(e -> e.success() && e.job().equals(Greetings.JOB)).count());
    }

    private Signals signals() {
        return new Signals() {
            @Override
            public void outcome(OutcomeEvent event) {
                outcomes.add(event);
            }

            @Override
            public void load(LoadSample sample) {
            }
        };
    }

    private static GreetingService.Config config(String defaultGreeting) {
        return new GreetingService.Config() {
            @Override
            public String defaultGreeting() {
                return defaultGreeting;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return GreetingService.Config.class;
            }
        };
    }
}
