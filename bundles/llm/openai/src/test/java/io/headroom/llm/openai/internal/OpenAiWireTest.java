package io.headroom.llm.openai.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.llm.api.ChatMessage;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.ContentPart;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.ToolCall;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.After;
import org.junit.Test;

/**
 * The hot path's streaming writer and reader say exactly what the JSON-tree versions say: the request body written
 * for a plain conversation (text, parts, tool calls and results), and the answer read back (text, tool calls with null
 * content, unknown fields, extra choices, a missing content).
 */
public class OpenAiWireTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final OpenAiAdapter adapter = new OpenAiAdapter();
    private final Deployment d = new Deployment("gpt", "openai", "gpt-test", "http://127.0.0.1:1", "k", 0, 0, 0, 1000);

    @After
    public void close() {
        adapter.close();
    }

    @Test
    public void plainRequestsAreWrittenAsTheTreeWouldWriteThem() throws Exception {
        List<ChatRequest> requests = List.of(
                new ChatRequest(List.of(new ChatMessage("user", "hi")), 20, null),
                new ChatRequest(List.of(new ChatMessage("developer", "be brief"), new ChatMessage("user", "h\u00e9 \"quoted\"\n")), 20, 0.7),
                new ChatRequest(List.of(new ChatMessage("user", null, List.of(ContentPart.text("look"),
                        ContentPart.image("data:image/png;base64,iVBORw0KGgo=", "low")), null, null, null),
                        new ChatMessage("assistant", null, null, List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}")), null, null),
                        new ChatMessage("tool", "18C", null, null, "call_1", null)), 1024, null),
                new ChatRequest(List.of(new ChatMessage("user", "no limit set")), ChatRequest.DEFAULT_MAX_TOKENS, null, List.of(), null,
                        null, java.util.Map.of(), true));
        for (ChatRequest r : requests) {
            for (boolean stream : new boolean[] {false, true}) {
                assertArrayEquals(new String(adapter.bodyBytes(d, r, stream), StandardCharsets.UTF_8),
                        JSON.writeValueAsBytes(adapter.body(d, r, stream)), adapter.bodyBytes(d, r, stream));
            }
        }
    }

    @Test
    public void answersAreReadAsTheTreeWouldReadThem() throws Exception {
        List<String> answers = List.of(
                "{\"id\":\"c1\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello\","
                        + "\"refusal\":null,\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":4,\"total_tokens\":16,\"prompt_tokens_details\":{\"cached_tokens\":0}},"
                        + "\"system_fingerprint\":\"fp\"}",
                "{\"choices\":[{\"message\":{\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":"
                        + "{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},{\"id\":\"call_2\",\"function\":{\"name\":\"x\"}}]},"
                        + "\"finish_reason\":\"function_call\"},{\"message\":{\"content\":\"second choice\"}}],\"usage\":{\"prompt_tokens\":20}}",
                "{\"model\":null,\"choices\":[{\"message\":{\"content\":\"cut\"},\"finish_reason\":\"length\"}]}",
                "{\"choices\":[{\"message\":{\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}");
        for (String a : answers) {
            ChatResponse streamed = adapter.parse(d, a.getBytes(StandardCharsets.UTF_8));
            ChatResponse tree = adapter.parse(d, JSON.readTree(a));
            assertEquals(a, tree, streamed);
        }
        assertEquals("several choices: the server's own", JSON.readTree(answers.get(1)).path("choices"),
                JSON.readTree(adapter.parse(d, answers.get(1).getBytes(StandardCharsets.UTF_8)).choicesJson()));
        assertEquals("one choice without logprobs: the gateway writes it", null,
                adapter.parse(d, answers.get(0).getBytes(StandardCharsets.UTF_8)).choicesJson());
        String logprobs = "{\"choices\":[{\"message\":{\"content\":\"Hi\"},\"logprobs\":{\"content\":[{\"token\":\"Hi\",\"logprob\":-1}]},"
                + "\"finish_reason\":\"stop\"}]}";
        ChatResponse withLogprobs = adapter.parse(d, logprobs.getBytes(StandardCharsets.UTF_8));
        assertEquals(adapter.parse(d, JSON.readTree(logprobs)), withLogprobs);
        assertEquals(-1, JSON.readTree(withLogprobs.choicesJson()).path(0).path("logprobs").path("content").path(0).path("logprob").asInt());
        assertEquals("Hi", withLogprobs.content());
        for (String missing : List.of("{\"choices\":[]}", "{\"choices\":[{\"message\":{\"role\":\"assistant\"}}]}", "{}")) {
            assertThrows(ProviderException.class, () -> adapter.parse(d, missing.getBytes(StandardCharsets.UTF_8)));
            assertThrows(ProviderException.class, () -> adapter.parse(d, JSON.readTree(missing)));
        }
    }

    @Test
    public void aStreamIsRefusedSeveralChoicesAndLogprobsByNameBeforeAnythingIsSent() {
        for (String name : List.of("n", "logprobs", "top_logprobs")) {
            ChatRequest r = new ChatRequest(List.of(new ChatMessage("user", "hi")), 20, null, List.of(), null, null,
                    java.util.Map.of(name, name.equals("logprobs") ? "true" : "2"));
            ProviderException e = assertThrows(ProviderException.class, () -> adapter.stream(d, r, null));
            assertEquals(400, e.status());
            assertEquals(name, e.param());
            assertEquals(ProviderException.UNSUPPORTED_PARAMETER, e.code());
        }
    }
}
