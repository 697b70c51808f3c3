package io.headroom.llm.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.LlmRouter;
import io.headroom.llm.api.Priority;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.Route;
import io.headroom.llm.api.StreamListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.Test;

/** The load test's generator against a router that answers from "a", "b" or fails, in turn. */
public class LoadTestTest {
    private final AtomicInteger calls = new AtomicInteger();

    private final LlmRouter router = new LlmRouter() {
        @Override
        public ChatResponse complete(TenantId tenant, Priority priority, String route, ChatRequest request, Duration timeout) {
            assertEquals(LoadTest.TENANT, tenant);
            assertEquals(Priority.BACKGROUND, priority);
            return switch (calls.getAndIncrement() % 3) {
                case 0 -> new ChatResponse("ok", ChatResponse.STOP, "a", "m", 1, 1);
                case 1 -> new ChatResponse("ok", ChatResponse.STOP, "b", "m", 1, 1);
                default -> throw new ProviderException("tenant load-test is over its quota", 429, false, 1000, null);
            };
        }

        @Override
        public void stream(TenantId tenant, Priority priority, String route, ChatRequest request, Duration timeout, StreamListener listener) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<Route> routes() {
            return List.of();
        }
    };

    @Test
    public void sendsRateTimesSecondsCallsAndCountsHowEachEnded() throws Exception {
        List<Integer> progress = new ArrayList<>();
        LoadTest.Result r = LoadTest.run(router, "chat", Priority.BACKGROUND, 30, 2, progress::add);
        assertEquals(60, r.requests());
        assertEquals(60, calls.get());
        assertEquals(Map.of("via a", 20, "via b", 20, "errors", 20), r.outcomes());
        assertEquals("progress once a second", List.of(0, 30), progress);
        assertTrue(r.percentileMillis(0.5) <= r.percentileMillis(0.99) && r.percentileMillis(0.99) <= r.percentileMillis(1.0));
    }

    @Test
    public void refusesRatesAndDurationsOutOfBoundsBeforeSendingAnything() {
        assertThrows(IllegalArgumentException.class, () -> LoadTest.run(router, "chat", Priority.BACKGROUND, 0, 1, i -> { }));
        assertThrows(IllegalArgumentException.class, () -> LoadTest.run(router, "chat", Priority.BACKGROUND, 1001, 1, i -> { }));
        assertThrows(IllegalArgumentException.class, () -> LoadTest.run(router, "chat", Priority.BACKGROUND, 10, 301, i -> { }));
        assertEquals(0, calls.get());
    }
}
