package io.headroom.llm.bedrock.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.headroom.fixtures.FakeLlmProvider;
import io.headroom.fixtures.FakeLlmProvider.Behaviour;
import io.headroom.llm.api.ChatMessage;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.StreamListener;
import java.lang.annotation.Annotation;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.AfterClass;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.Test;

/** The Bedrock adapter through the real AWS SDK against a local server speaking Converse and ConverseStream. */
public class BedrockAdapterTest {
    private static FakeLlmProvider server;
    private static BedrockAdapter adapter;
    private static final ChatRequest REQUEST = new ChatRequest(
            List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Say hello")), 64, 0.2);
    private Deployment deployment;

    @BeforeClass
    public static void start() throws Exception {
        server = FakeLlmProvider.bedrock();
        adapter = new BedrockAdapter(new BedrockAdapter.Config() {
            @Override
            public String region() {
                return "eu-west-3";
            }

            @Override
            public int maxConnections() {
                return 20;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return BedrockAdapter.Config.class;
            }
        });
    }

    @AfterClass
    public static void stop() {
        adapter.close();
        server.close();
    }

    @Before
    public void reset() {
        server.always(Behaviour.ok());
        deployment = new Deployment("bedrock-claude", "bedrock", "anthropic.claude-3-haiku-20240307-v1:0", server.endpoint(),
                "AKIDTEST:topsecret", 0, 0, 0, 2000);
    }

    @Test
    public void completesThroughConverseSignedWithSigV4() {
        ChatResponse r = adapter.complete(deployment, REQUEST);
        assertEquals("Hello, world!", r.content());
        assertEquals("Bedrock's end_turn in OpenAI's terms", ChatResponse.STOP, r.finishReason());
        assertEquals(12, r.promptTokens());
        assertEquals(4, r.completionTokens());
        assertEquals("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse", server.lastPath);
        assertTrue(server.lastAuth, server.lastAuth.startsWith("AWS4-HMAC-SHA256 Credential=AKIDTEST/"));
        assertTrue(server.lastAuth, server.lastAuth.contains("/eu-west-3/bedrock/aws4_request"));
        assertFalse(server.lastAuth.contains("topsecret"));
        assertTrue(server.lastBody, server.lastBody.contains("\"system\":[{\"text\":\"Be brief.\"}]"));
        assertTrue(server.lastBody, server.lastBody.contains("\"maxTokens\":64"));
    }

    @Test
    public void streamsEventStreamFramesToTheListener() {
        Recorder r = new Recorder();
        adapter.stream(deployment, REQUEST, r);
        assertEquals(List.of(FakeLlmProvider.TOKENS), r.tokens);
        assertNotNull(r.completed);
        assertNull(r.failed);
        assertEquals("Hello, world!", r.completed.content());
        assertEquals(4, r.completed.completionTokens());
        assertEquals("bedrock-claude", r.started);
        assertTrue(server.lastPath.endsWith("/converse-stream"));
    }

    @Test
    public void throttlingIsRetryableWithRetryAfter() {
        server.then(Behaviour.error(429, "3"));
        ProviderException e = expectFailure(() -> adapter.complete(deployment, REQUEST));
        assertEquals(429, e.status());
        assertTrue(e.retryable());
        assertEquals(3000, e.retryAfterMillis());
        assertTrue(e.getMessage(), e.getMessage().contains("ThrottlingException"));
    }

    @Test
    public void validationErrorsAreNotRetried() {
        server.then(Behaviour.error(400, null));
        ProviderException e = expectFailure(() -> adapter.complete(deployment, REQUEST));
        assertEquals(400, e.status());
        assertFalse(e.retryable());
    }

    @Test
    public void unavailableBeforeTheFirstTokenIsThrownSoTheRouterCanFailOver() {
        server.then(Behaviour.error(503, null));
        Recorder r = new Recorder();
        ProviderException e = expectFailure(() -> adapter.stream(deployment, REQUEST, r));
        assertEquals(503, e.status());
        assertTrue(e.retryable());
        assertTrue(r.tokens.isEmpty());
        assertNull(r.completed);
        assertNull(r.failed);
    }

    @Test
    public void malformedResponseIsARetryableFailure() {
        server.then(Behaviour.malformedBody());
        assertTrue(expectFailure(() -> adapter.complete(deployment, REQUEST)).retryable());
    }

    @Test
    public void slowAnswerTimesOut() {
        server.then(Behaviour.slow(1500));
        deployment = new Deployment("bedrock-claude", "bedrock", "m", server.endpoint(), "AKIDTEST:topsecret", 0, 0, 0, 300);
        ProviderException e = expectFailure(() -> adapter.complete(deployment, REQUEST));
        assertEquals(0, e.status());
        assertTrue(e.retryable());
    }

    @Test
    public void streamCutMidAnswerEndsWithAnErrorNotATruncatedAnswer() {
        server.then(Behaviour.cut(2));
        Recorder r = new Recorder();
        adapter.stream(deployment, REQUEST, r);
        assertEquals(2, r.tokens.size());
        assertNull(r.completed);
        assertNotNull(r.failed);
    }

    @Test
    public void exceptionEventMidStreamEndsWithAnError() {
        server.then(Behaviour.errorEventMidStream());
        Recorder r = new Recorder();
        adapter.stream(deployment, REQUEST, r);
        assertEquals(2, r.tokens.size());
        assertNull(r.completed);
        assertNotNull(r.failed);
        assertTrue(r.failed.getMessage(), r.failed.getMessage().contains("model stream error"));
        assertTrue(r.failed.getMessage() + " " + r.failed.status(), r.failed.retryable());
    }

    @Test
    public void aBadSecretIsAClientErrorAndNeverEchoed() {
        deployment = new Deployment("bedrock-bad", "bedrock", "m", server.endpoint() + "/bad", "only-one-part", 0, 0, 0, 2000);
        ProviderException e = expectFailure(() -> adapter.complete(deployment, REQUEST));
        assertEquals(400, e.status());
        assertFalse(e.retryable());
        assertFalse(e.getMessage().contains("only-one-part"));
    }

    @Test
    public void regionComesFromAStandardHostElseTheDefault() {
        assertEquals("us-west-2", adapter.region("https://bedrock-runtime.us-west-2.amazonaws.com").id());
        assertEquals("eu-west-3", adapter.region("http://127.0.0.1:9999").id());
    }

    private static ProviderException expectFailure(Runnable call) {
        try {
            call.run();
        } catch (ProviderException e) {
            return e;
        }
        fail("expected a ProviderException");
        return null;
    }

    private static final class Recorder implements StreamListener {
        final List<String> tokens = new CopyOnWriteArrayList<>();
        volatile String started;
        volatile ChatResponse completed;
        volatile ProviderException failed;

        @Override
        public void started(String deployment, String model) {
            started = deployment;
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
}
