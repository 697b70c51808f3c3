package io.headroom.llm.anthropic.internal;

import static org.junit.Assert.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.Deployment;
import org.junit.Test;

/** Anthropic's stop reasons in OpenAI's terms. */
public class AnthropicFinishReasonTest {
    private final AnthropicAdapter adapter = new AnthropicAdapter();

    @Test
    public void stopReasonsMapOntoOpenAis() {
        assertEquals(ChatResponse.STOP, adapter.finishReason("end_turn"));
        assertEquals(ChatResponse.STOP, adapter.finishReason("stop_sequence"));
        assertEquals(ChatResponse.STOP, adapter.finishReason("pause_turn"));
        assertEquals(ChatResponse.STOP, adapter.finishReason(null));
        assertEquals(ChatResponse.LENGTH, adapter.finishReason("max_tokens"));
        assertEquals(ChatResponse.LENGTH, adapter.finishReason("model_context_window_exceeded"));
        assertEquals(ChatResponse.TOOL_CALLS, adapter.finishReason("tool_use"));
        assertEquals(ChatResponse.CONTENT_FILTER, adapter.finishReason("refusal"));
    }

    @Test
    public void aParsedAnswerCarriesTheMappedReason() throws Exception {
        Deployment d = new Deployment("an", "anthropic", "claude-test", "http://127.0.0.1:1", "", 0, 0, 0, 1000);
        ChatResponse r = adapter.parse(d, new ObjectMapper().readTree(
                "{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],\"stop_reason\":\"max_tokens\",\"usage\":{}}"));
        assertEquals(ChatResponse.LENGTH, r.finishReason());
    }
}
