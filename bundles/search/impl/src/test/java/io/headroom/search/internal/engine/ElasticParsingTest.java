package io.headroom.search.internal.engine;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.Test;

public class ElasticParsingTest {

    @Test
    public void sourcesAreSlicedOutOfTheResponseExactly() throws Exception {
        String body = "{\"hits\":{\"hits\":[{\"_id\":\"acme/a1\",\"_version\":3,\"_source\":{\"t\":\"x \\\"}\",\"n\":[1,{\"k\":2}],"
                + "\"_hr_tenant\":\"acme\",\"_hr_id\":\"a1\"}},{\"_index\":\"i\",\"_id\":\"acme/a/2\",\"_version\":12,\"_source\":{},\"sort\":[\"a/2\"]},"
                + "{\"_id\":\"acme/é\",\"_version\":1,\"_source\":{\"ü\":\"ß\"}}]}}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        List<String> seen = new ArrayList<>();
        Elastic.hits(bytes, true, (id, version, from, to) ->
                seen.add(id + " " + version + " " + new String(Arrays.copyOfRange(bytes, from, to), StandardCharsets.UTF_8)));
        assertEquals(List.of("a1 3 {\"t\":\"x \\\"}\",\"n\":[1,{\"k\":2}],\"_hr_tenant\":\"acme\",\"_hr_id\":\"a1\"}", "a/2 12 {}",
                "é 1 {\"ü\":\"ß\"}"), seen);
        List<String> ids = new ArrayList<>();
        Elastic.hits(bytes, false, (id, version, from, to) -> ids.add(id + " " + version + " " + from));
        assertEquals(List.of("a1 3 -1", "a/2 12 -1", "é 1 -1"), ids);
        byte[] scan = "{\"hits\":{\"hits\":[{\"_version\":4,\"sort\":[\"x/1\"]},{\"sort\":[\"y\",{\"a\":[1]},3],\"_version\":2}]}}"
                .getBytes(StandardCharsets.UTF_8);
        List<String> sorted = new ArrayList<>();
        Elastic.hits(scan, false, (id, version, from, to) -> sorted.add(id + " " + version));
        assertEquals("ids from the sort values when no stored fields come back", List.of("x/1 4", "y 2"), sorted);
        List<String> none = new ArrayList<>();
        Elastic.hits("{}".getBytes(StandardCharsets.UTF_8), true, (id, version, from, to) -> none.add(id));
        assertEquals(List.of(), none);
    }

    @Test
    public void aSourceWithALineBreakIsMadeOneLine() throws Exception {
        byte[] pretty = "{\n  \"a\" : 1\n}".getBytes(StandardCharsets.UTF_8);
        byte[] line = Elastic.oneLine(pretty);
        assertFalse(new String(line, StandardCharsets.UTF_8).contains("\n"));
        assertEquals(Map.of("a", 1), new ObjectMapper().readValue(line, Map.class));
        byte[] compact = "{\"a\":\"x\\ny\"}".getBytes(StandardCharsets.UTF_8);
        assertEquals("kept as is", compact, Elastic.oneLine(compact));
        assertEquals("{\"a\":1}", Elastic.fieldsJson("{\"a\":1,\"_hr_tenant\":\"t\",\"_hr_id\":\"x\"}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    public void bulkItemStatusesMapToOutcomes() {
        assertEquals(Elastic.Outcome.APPLIED, Elastic.outcome(201, null).outcome());
        assertEquals("a newer version is there", Elastic.Outcome.APPLIED, Elastic.outcome(409, "version_conflict_engine_exception: x").outcome());
        assertEquals("deleting what is not there", Elastic.Outcome.APPLIED, Elastic.outcome(404, null).outcome());
        assertEquals(Elastic.Outcome.REJECTED, Elastic.outcome(404, "index_not_found_exception: no such index").outcome());
        assertEquals(Elastic.Outcome.REJECTED, Elastic.outcome(400, "document_parsing_exception: bad").outcome());
        assertEquals(Elastic.Outcome.RETRY, Elastic.outcome(429, "es_rejected_execution_exception: busy").outcome());
        assertEquals(Elastic.Outcome.RETRY, Elastic.outcome(503, null).outcome());
    }
}
