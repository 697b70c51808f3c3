package io.headroom.llm.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.headroom.llm.api.ChatMessage;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ResponsesRequest;
import java.util.List;
import org.junit.Test;

/** The estimate of what a stream cut short cost: the prompt plus the output streamed at ~4 characters a token. */
public class StreamedUsageTest {
    /** 40 characters of prompt (10 tokens, + 1 as ChatRequest rounds) with an output limit of 500. */
    private static final ChatRequest REQUEST = new ChatRequest(List.of(new ChatMessage("user", "x".repeat(40))), 500, null);

    @Test
    public void thePromptEstimateIsTheRequestsEstimateWithoutItsOutputLimit() {
        assertEquals(511, REQUEST.estimatedTokens());
        assertEquals(11, StreamedUsage.promptTokens(REQUEST));
        assertEquals("a mapped Responses call: its mapping's", 11, StreamedUsage.promptTokens(ResponsesRequest.of("{\"input\":\"x\"}", REQUEST)));
        String body = "{\"model\":\"m\",\"input\":\"" + "y".repeat(76) + "\"}"; // 100 characters
        ResponsesRequest unmapped = new ResponsesRequest(body, null, "a hosted tool", 100 / 4 + 1 + 1024);
        assertEquals("a call that cannot be mapped: its body at 4 characters a token", 26, StreamedUsage.promptTokens(unmapped));
    }

    @Test
    public void theOutputStreamedCountsAtFourCharactersATokenRoundedUp() {
        StreamedUsage u = new StreamedUsage(11);
        u.started("gpt");
        u.text("Hello"); // 5
        u.text(", ");    // 7
        assertEquals(2, u.outputTokens());
        assertEquals(13, u.usedTokens());
        u.text("world"); // 12
        assertEquals(3, u.outputTokens());
        u.toolCall("get_weather", "{\"ci"); // 11 + 4 = 27
        u.toolCall(null, "ty\":\"Paris\"}");  // + 12 = 39
        assertEquals(10, u.outputTokens());
        assertEquals(21, u.usedTokens());
        assertEquals("gpt", u.deployment());
    }

    @Test
    public void aStreamCutBeforeAnyOutputCostsNothing() {
        StreamedUsage u = new StreamedUsage(11);
        u.started("gpt");
        u.event("response.created", "{\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\"}}");
        u.event("response.in_progress", "{\"type\":\"response.in_progress\"}");
        assertFalse(u.streamedOutput());
        assertEquals(0, u.usedTokens());
        u.text(""); // an empty first delta is output: the prompt was processed
        assertTrue(u.streamedOutput());
        assertEquals(11, u.usedTokens());
    }

    @Test
    public void aResponsesStreamsDeltaEventsCountTheirDeltaText() {
        StreamedUsage u = new StreamedUsage(1);
        u.event("response.output_text.delta", "{\"type\":\"response.output_text.delta\",\"item_id\":\"m1\",\"delta\":\"Hello\",\"output_index\":0}");
        u.event("response.function_call_arguments.delta", "{\"type\":\"response.function_call_arguments.delta\",\"delta\": \"{\\\"city\\\":\\u0022P\"}");
        u.event("response.output_text.done", "{\"type\":\"response.output_text.done\",\"text\":\"Hello\"}");
        assertEquals("5 + {\"city\":\"P (10 characters, escapes counted once)", 4, u.outputTokens());
        assertEquals(0, StreamedUsage.deltaLength("{\"delta\":{\"content\":\"x\"}}"));
        assertEquals(0, StreamedUsage.deltaLength(null));
        assertEquals(3, StreamedUsage.deltaLength("{\"delta\":\"abc"));
    }

    @Test
    public void aStreamIsSettledOnce() {
        StreamedUsage u = new StreamedUsage(1);
        assertTrue(u.end());
        assertFalse(u.end());
    }
}
