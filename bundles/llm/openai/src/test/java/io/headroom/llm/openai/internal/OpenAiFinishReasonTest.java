package io.headroom.llm.openai.internal;

import static org.junit.Assert.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.Deployment;
import org.junit.Test;

/** OpenAI's finish reasons are the gateway's; what compatible servers add is mapped onto them. */
public class OpenAiFinishReasonTest {
    private final OpenAiAdapter adapter = new OpenAiAdapter();
    private final Deployment deployment = new Deployment("oa", "openai", "gpt-test", "http://127.0.0.1:1/v1", "", 0, 0, 0, 1000);

    @Test
    public void openAiTermsPassAndOthersAreMapped() {
        for (String same : new String[] {"stop", "length", "tool_calls", "content_filter"}) {
            assertEquals(same, adapter.finishReason(same));
        }
        assertEquals(ChatResponse.TOOL_CALLS, adapter.finishReason("function_call"));
        assertEquals(ChatResponse.STOP, adapter.finishReason(null));
        assertEquals(ChatResponse.STOP, adapter.finishReason("eos"));
    }

    @Test
    public void aParsedAnswerCarriesTheMappedReason() throws Exception {
        ChatResponse r = adapter.parse(deployment, new ObjectMapper().readTree(
                "{\"choices\":[{\"message\":{\"content\":\"hi\"},\"finish_reason\":\"function_call\"}],\"usage\":{}}"));
        assertEquals(ChatResponse.TOOL_CALLS, r.finishReason());
        r = adapter.parse(deployment, new ObjectMapper().readTree("{\"choices\":[{\"message\":{\"content\":\"hi\"}}]}"));
        assertEquals(ChatResponse.STOP, r.finishReason());
    }
}
