package io.headroom.llm.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.embed.EmbeddingException;
import io.headroom.fixtures.FakeLlmProvider;
import io.headroom.fixtures.FakeLlmProvider.Behaviour;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.EmbeddingRequest;
import io.headroom.llm.api.EmbeddingResponse;
import io.headroom.llm.api.LlmRouter;
import io.headroom.llm.api.Priority;
import io.headroom.llm.api.Route;
import io.headroom.llm.api.StreamListener;
import io.headroom.llm.internal.core.Router;
import io.headroom.llm.internal.provider.TestAdapters;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.Test;

/** The core Embeddings service over the router: vectors in order, refusals and outages as the contract says. */
public class GatewayEmbeddingsTest {
    @Test
    public void embedsThroughTheRouteAndMapsFailuresToTheContract() throws Exception {
        try (FakeLlmProvider openAi = FakeLlmProvider.openAi(); FakeLlmProvider anthropic = FakeLlmProvider.anthropic()) {
            Router router = new Router(new Router.Settings(0.2, 5_000), System::currentTimeMillis, TestAdapters::byProvider);
            router.putDeployment(new Deployment("embedder", "openai", "embed-test", openAi.endpoint(), "k", 0, 0, 0, 2000));
            router.putDeployment(new Deployment("claude", "anthropic", "claude-test", anthropic.endpoint(), "k", 0, 0, 0, 2000));
            router.putRoute(new Route("vectors", "ordered", List.of("embedder"), Map.of()));
            router.putRoute(new Route("chat", "ordered", List.of("claude"), Map.of()));
            AtomicReference<Priority> priority = new AtomicReference<>();
            GatewayEmbeddings embeddings = new GatewayEmbeddings(new LlmRouter() {
                @Override
                public ChatResponse complete(TenantId t, Priority p, String route, ChatRequest r, Duration timeout) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public void stream(TenantId t, Priority p, String route, ChatRequest r, Duration timeout, StreamListener l) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public EmbeddingResponse embed(TenantId t, Priority p, String route, EmbeddingRequest r, Duration timeout) {
                    priority.set(p);
                    try {
                        return router.embed(route, p, r, System.currentTimeMillis() + 500);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }

                @Override
                public List<Route> routes() {
                    return router.routes();
                }
            });
            List<float[]> vectors = embeddings.embed(TenantId.of("acme"), "vectors", List.of("hello", "hi"));
            assertArrayEquals(new float[] {5, 0.5f, 0.5f}, vectors.get(0), 0);
            assertArrayEquals(new float[] {2, 0.5f, 0.5f}, vectors.get(1), 0);
            assertEquals(Priority.BACKGROUND, priority.get());

            assertThrows(IllegalArgumentException.class, () -> embeddings.embed(TenantId.of("acme"), "nope", List.of("x")));
            assertThrows(IllegalArgumentException.class, () -> embeddings.embed(TenantId.of("acme"), "chat", List.of("x")));
            assertThrows(IllegalArgumentException.class, () -> embeddings.embed(TenantId.of("acme"), "vectors", List.of()));

            openAi.always(Behaviour.error(503, null));
            EmbeddingException down = assertThrows(EmbeddingException.class, () -> embeddings.embed(TenantId.of("acme"), "vectors", List.of("x")));
            assertTrue(down.retryable());
            assertFalse("no deployment names for the tenant: " + down.getMessage(), down.getMessage().contains("embedder"));
        }
    }
}
