package io.headroom.core.internal.rest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonMappingException;
import io.headroom.core.api.InvalidJobNameException;
import io.headroom.core.api.InvalidTenantIdException;
import io.headroom.core.api.JobName;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.ProblemException;
import java.time.Instant;
import java.util.List;
import javax.ws.rs.NotAllowedException;
import javax.ws.rs.NotFoundException;
import org.junit.Test;

public class ProblemsTest {
    public record Body(String name, int count, List<String> tags) {
    }

    private static Problems.Outcome parse(String json) {
        try {
            JsonProvider.MAPPER.readValue(json, Body.class);
            throw new AssertionError("parsed: " + json);
        } catch (Exception e) {
            return Problems.classify(e);
        }
    }

    @Test
    public void anUnreachableDatabaseIsA503WithRetryAfterAndNoInternals() {
        for (Throwable t : List.of(
                new IllegalStateException("flags change failed", new java.sql.SQLTransientConnectionException(
                        "headroom-control - Connection is not available, request timed out after 5000ms.")),
                new IllegalStateException(new java.sql.SQLException("Communications link failure to db-7.internal:3306", "08S01")),
                new java.sql.SQLException("The MariaDB server is running with the --read-only option", "HY000", 1290),
                new IllegalStateException("flags change failed: Connection is closed", new java.sql.SQLException("Connection is closed")),
                new IllegalStateException(new java.sql.SQLException(
                        "Connection is read-only. Queries leading to data modification are not allowed", "S1009")))) {
            Problems.Outcome o = Problems.classify(t);
            assertEquals(503, o.status());
            assertEquals(Integer.valueOf(5), o.retryAfterSeconds());
            assertEquals(Problems.UNREACHABLE, o.detail());
        }
        Problems.Outcome other = Problems.classify(new IllegalStateException(new java.sql.SQLException("Duplicate entry", "23000", 1062)));
        assertEquals("any other database error is still an internal error", 500, other.status());
    }

    @Test
    public void malformedJsonIsA400ThatSaysSo() {
        Problems.Outcome o = parse("{\"name\": ");
        assertEquals(400, o.status());
        assertTrue(o.detail(), o.detail().startsWith("malformed JSON"));
    }

    @Test
    public void unknownFieldsAreNamed() {
        Problems.Outcome o = parse("{\"name\":\"a\",\"count\":1,\"colour\":\"red\"}");
        assertEquals(400, o.status());
        assertTrue(o.detail(), o.detail().contains("unknown field 'colour'") && o.detail().contains("count"));
    }

    @Test
    public void wrongTypesNameTheField() {
        Problems.Outcome o = parse("{\"name\":\"a\",\"count\":\"many\"}");
        assertEquals(400, o.status());
        assertTrue(o.detail(), o.detail().contains("'count'"));
        Problems.Outcome nested = parse("{\"name\":\"a\",\"count\":1,\"tags\":[{}]}");
        assertTrue(nested.detail(), nested.detail().contains("tags[0]"));
    }

    @Test
    public void trailingGarbageAndNullPrimitivesAreRejected() {
        assertEquals(400, parse("{\"name\":\"a\",\"count\":1} x").status());
        assertEquals(400, parse("{\"name\":\"a\",\"count\":null}").status());
        assertEquals(400, parse("{\"name\":42,\"count\":1}").status());
        assertEquals(400, parse("{\"name\":\"a\",\"count\":\"1\"}").status());
    }

    public record WithTenant(TenantId tenant, Instant at) {
    }

    @Test
    public void platformValueTypesAreJsonStringsAndBadOnesNameTheProblem() throws Exception {
        String json = JsonProvider.MAPPER.writeValueAsString(new WithTenant(TenantId.of("acme"), Instant.parse("2026-11-28T10:00:00Z")));
        assertEquals("{\"tenant\":\"acme\",\"at\":\"2026-11-28T10:00:00Z\"}", json);
        assertEquals(TenantId.of("acme"), JsonProvider.MAPPER.readValue(json, WithTenant.class).tenant());
        try {
            JsonProvider.MAPPER.readValue("{\"tenant\":\"NOT OK\",\"at\":\"2026-11-28T10:00:00Z\"}", WithTenant.class);
            throw new AssertionError("accepted a bad tenant id");
        } catch (Exception e) {
            Problems.Outcome o = Problems.classify(e);
            assertEquals(400, o.status());
            assertTrue(o.detail(), o.detail().contains("invalid tenant id"));
        }
    }

    @Test
    public void aTypeTheServerCannotWriteIsAServerError() {
        try {
            JsonProvider.MAPPER.writeValueAsString(new Object() {
                public java.time.Duration getD() {
                    return java.time.Duration.ZERO;
                }
            });
        } catch (Exception e) {
            assertEquals(500, Problems.classify(e).status());
            return;
        }
        throw new AssertionError("Duration was written");
    }

    @Test
    public void domainErrorsAndProblemsKeepTheirMessage() {
        assertEquals(new Problems.Outcome(400, "bad"), Problems.classify(new InvalidTenantIdException("bad")));
        assertEquals(new Problems.Outcome(409, "taken"), Problems.classify(ProblemException.conflict("taken")));
        Problems.Outcome wrapped = Problems.classify(new JsonMappingException(null, "x", new InvalidTenantIdException("bad id")));
        assertEquals(new Problems.Outcome(400, "bad id"), wrapped);
        assertEquals(413, Problems.classify(new RuntimeException(new BodyTooLargeException(10))).status());
    }

    @Test
    public void aBadJobNameAnywhereIsA400WithItsMessage() {
        InvalidJobNameException bad = assertThrows(InvalidJobNameException.class, () -> JobName.of("Not A Job"));
        assertEquals(new Problems.Outcome(400, bad.getMessage()), Problems.classify(new RuntimeException(bad)));
        assertTrue(bad.getMessage(), bad.getMessage().startsWith("invalid job name 'Not A Job'"));
    }

    @Test
    public void jaxRsErrorsKeepTheirStatusAndInternalErrorsHideDetails() {
        assertEquals(404, Problems.classify(new NotFoundException()).status());
        assertEquals(405, Problems.classify(new NotAllowedException("GET")).status());
        Problems.Outcome o = Problems.classify(new NullPointerException("secret internals"));
        assertEquals(500, o.status());
        assertNull(o.detail());
        assertTrue(o.internal());
    }

    @Test
    public void tenantsReadNoAddressesUrlsOrSchemaNames() {
        assertEquals("cannot reach [internal] ([internal]): Table 'notes' doesn't exist in `orders`",
                Problems.forTenant("cannot reach db-7.internal:3306 (jdbc:mysql://10.0.0.7:3306/hr_s1?x=y): Table 'hr_s1.notes' doesn't exist in `hr_s1`.`orders`"));
        assertEquals("unknown field 'x'; known fields: a, b", Problems.forTenant("unknown field 'x'; known fields: a, b"));
        String at = "'at' must be an ISO-8601 instant like 2026-11-28T10:15:30Z";
        assertEquals(at, Problems.forTenant(at));
        assertEquals("provider at [internal] failed", Problems.forTenant("provider at https://api.internal.example/v1 failed"));
    }

    /** Stands for Jetty's org.eclipse.jetty.io.EofException (matched by its simple name: core does not link Jetty). */
    static final class EofException extends java.io.EOFException {
        private static final long serialVersionUID = 1L;

        EofException(String message) {
            super(message);
        }
    }

    @Test
    public void aClientThatWentAwayIsNotAnError() {
        assertTrue(Problems.clientGone(new RuntimeException("writing failed", new EofException("Closed"))));
        assertTrue(Problems.clientGone(new javax.ws.rs.ProcessingException(new java.nio.channels.ClosedChannelException())));
        assertTrue(Problems.clientGone(new java.io.IOException("Broken pipe")));
        assertTrue(!Problems.clientGone(new IllegalStateException("a bug")));
        assertTrue(!Problems.clientGone(new java.io.IOException("disk full")));
        assertEquals("still a 500 to whoever is left", 500, Problems.classify(new RuntimeException(new EofException("Closed"))).status());
    }
}
