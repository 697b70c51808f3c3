package io.headroom.llm.bedrock.internal;

import static org.junit.Assert.assertEquals;

import io.headroom.llm.api.ChatResponse;
import org.junit.Test;

/** Converse's stop reasons in OpenAI's terms. */
public class BedrockFinishReasonTest {
    @Test
    public void stopReasonsMapOntoOpenAis() {
        assertEquals(ChatResponse.STOP, BedrockAdapter.finishReason("end_turn"));
        assertEquals(ChatResponse.STOP, BedrockAdapter.finishReason("stop_sequence"));
        assertEquals(ChatResponse.STOP, BedrockAdapter.finishReason(null));
        assertEquals(ChatResponse.LENGTH, BedrockAdapter.finishReason("max_tokens"));
        assertEquals(ChatResponse.LENGTH, BedrockAdapter.finishReason("model_context_window_exceeded"));
        assertEquals(ChatResponse.TOOL_CALLS, BedrockAdapter.finishReason("tool_use"));
        assertEquals(ChatResponse.CONTENT_FILTER, BedrockAdapter.finishReason("guardrail_intervened"));
        assertEquals(ChatResponse.CONTENT_FILTER, BedrockAdapter.finishReason("content_filtered"));
    }
}
