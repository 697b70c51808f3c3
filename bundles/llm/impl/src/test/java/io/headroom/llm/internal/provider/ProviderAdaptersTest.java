package io.headroom.llm.internal.provider;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.fixtures.FakeLlmProvider;
import io.headroom.llm.api.ChatMessage;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.anthropic.internal.AnthropicAdapter;
import io.headroom.llm.api.ProviderAdapter;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.StreamListener;
import io.headroom.llm.openai.internal.OpenAiAdapter;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

/** Both adapters against local servers speaking each provider's wire format, with injected faults. */
public class ProviderAdaptersTest {
    static final ChatRequest REQUEST = new ChatRequest(List.of(new ChatMessage("system", "be brief"), new ChatMessage("user", "hi")), 50, 0.2);

    static Deployment deployment(String name, String provider, String endpoint, long timeoutMillis) {
        return new Deployment(name, provider, provider.equals("openai") ? "gpt-test" : "claude-test", endpoint, "sk-secret", 0, 0, 0.001, timeoutMillis);
    }

    /** Records a stream. */
    static final class Recorder implements StreamListener {
        final List<String> tokens = new ArrayList<>();
        ChatResponse completed;
        ProviderException failed;
        String startedOn;

        @Override
        public void started(String deployment, String model) {
            startedOn = deployment;
        }

        @Override
        public void token(String text) {
            tokens.add(text);
        }

        @Override
        public void completed(ChatResponse response) {
            completed = response;
        }

        @Override
        public void failed(ProviderException error) {
            failed = error;
        }
    }

    private void bothProviders(Check check) throws Exception {
        try (FakeLlmProvider openAi = FakeLlmProvider.openAi(); FakeLlmProvider anthropic = FakeLlmProvider.anthropic()) {
            check.run(openAi, new OpenAiAdapter(), deployment("oa", "openai", openAi.endpoint(), 2000));
            check.run(anthropic, new AnthropicAdapter(), deployment("an", "anthropic", anthropic.endpoint(), 2000));
        }
    }

    @FunctionalInterface
    interface Check {
        void run(FakeLlmProvider server, ProviderAdapter adapter, Deployment d) throws Exception;
    }

    @Test
    public void completesAndSendsTheProvidersOwnRequestShape() throws Exception {
        bothProviders((server, adapter, d) -> {
            ChatResponse r = adapter.complete(d, REQUEST);
            assertEquals("Hello, world!", r.content());
            assertEquals(12, r.promptTokens());
            assertEquals(4, r.completionTokens());
            assertEquals(d.name(), r.deployment());
            if (d.provider().equals("anthropic")) {
                assertTrue(server.lastBody, server.lastBody.contains("\"system\":\"be brief\"") && !server.lastBody.contains("\"role\":\"system\""));
                assertEquals("sk-secret", server.lastAuth);
            } else {
                assertTrue(server.lastBody, server.lastBody.contains("\"role\":\"system\""));
                assertEquals("Bearer sk-secret", server.lastAuth);
            }
        });
    }

    @Test
    public void streamsTokensInOrderAndEndsOnce() throws Exception {
        bothProviders((server, adapter, d) -> {
            Recorder rec = new Recorder();
            adapter.stream(d, REQUEST, rec);
            assertEquals(List.of(FakeLlmProvider.TOKENS), rec.tokens);
            assertEquals("Hello, world!", rec.completed.content());
            assertEquals(4, rec.completed.completionTokens());
            assertNull(rec.failed);
            assertEquals(d.name(), rec.startedOn);
        });
    }

    @Test
    public void errorsAreClassifiedWithTheProvidersMessageAndRetryAfter() throws Exception {
        bothProviders((server, adapter, d) -> {
            server.then(FakeLlmProvider.Behaviour.error(429, "2"), FakeLlmProvider.Behaviour.error(400, null), FakeLlmProvider.Behaviour.error(503, null));
            ProviderException rateLimited = assertThrows(ProviderException.class, () -> adapter.complete(d, REQUEST));
            assertEquals(429, rateLimited.status());
            assertTrue(rateLimited.retryable());
            assertEquals(2000, rateLimited.retryAfterMillis());
            assertTrue(rateLimited.getMessage(), rateLimited.getMessage().contains("slow down"));
            ProviderException bad = assertThrows(ProviderException.class, () -> adapter.complete(d, REQUEST));
            assertFalse("a 400 is not retried", bad.retryable());
            assertTrue(assertThrows(ProviderException.class, () -> adapter.stream(d, REQUEST, new Recorder())).retryable());
            assertFalse("the key never appears in errors", rateLimited.getMessage().contains("sk-secret") || d.toString().contains("sk-secret"));
        });
    }

    @Test
    public void timeoutsAndMalformedAnswersAreRetryable() throws Exception {
        bothProviders((server, adapter, d) -> {
            Deployment quick = new Deployment(d.name(), d.provider(), d.model(), d.endpoint(), d.apiKey(), 0, 0, 0, 200);
            server.then(FakeLlmProvider.Behaviour.slow(1000), FakeLlmProvider.Behaviour.malformedBody());
            ProviderException timeout = assertThrows(ProviderException.class, () -> adapter.complete(quick, REQUEST));
            assertEquals(0, timeout.status());
            assertTrue(timeout.retryable());
            ProviderException malformed = assertThrows(ProviderException.class, () -> adapter.complete(d, REQUEST));
            assertTrue(malformed.retryable());
        });
    }

    @Test
    public void aStreamCutMidwayEndsWithAnErrorNeverAShortAnswer() throws Exception {
        bothProviders((server, adapter, d) -> {
            server.then(FakeLlmProvider.Behaviour.cut(2), FakeLlmProvider.Behaviour.errorEventMidStream(), FakeLlmProvider.Behaviour.cut(0));
            for (int i = 0; i < 2; i++) {
                Recorder rec = new Recorder();
                adapter.stream(d, REQUEST, rec);
                assertEquals(2, rec.tokens.size());
                assertNull("no completion after a cut", rec.completed);
                assertTrue(rec.failed.retryable());
            }
            // cut before the first token: thrown, so the router can fail over without the client noticing
            assertThrows(ProviderException.class, () -> adapter.stream(d, REQUEST, new Recorder()));
        });
    }
}
