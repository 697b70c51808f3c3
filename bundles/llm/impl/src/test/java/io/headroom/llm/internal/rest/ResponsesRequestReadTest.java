package io.headroom.llm.internal.rest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.llm.api.ResponsesRequest;
import org.junit.Test;

public class ResponsesRequestReadTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    public void theResponseACallContinuesIsReadAndSuchACallIsNotMapped() throws Exception {
        String body = "{\"model\":\"r\",\"input\":\"more\",\"previous_response_id\":\"resp_1~hr0123456789abcdef\"}";
        ResponsesRequest continuing = ResponsesEndpoint.request(body, JSON.readTree(body));
        assertEquals("resp_1~hr0123456789abcdef", continuing.previousResponseId());
        assertNull("only a deployment that keeps the conversation can take it", continuing.mapped());
        String fresh = "{\"model\":\"r\",\"input\":\"hi\"}";
        ResponsesRequest plain = ResponsesEndpoint.request(fresh, JSON.readTree(fresh));
        assertNull(plain.previousResponseId());
        assertNotNull(plain.mapped());
    }
}
