package io.headroom.core.internal.rest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.fail;

import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.ProblemException;
import java.io.ByteArrayInputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.servlet.ReadListener;
import javax.servlet.ServletInputStream;
import javax.servlet.http.HttpServletRequest;
import org.junit.Test;

/** A direct endpoint reads a body with the same strict rules and the same refusals as a JAX-RS endpoint. */
public class DirectCallTest {
    public record Sql(String sql, List<Object> params, Integer maxRows) {
    }

    private static DirectCall call(String body, long limit) {
        ByteArrayInputStream bytes = new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8));
        ServletInputStream in = new ServletInputStream() {
            @Override
            public int read() {
                return bytes.read();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return bytes.read(b, off, len);
            }

            @Override
            public boolean isFinished() {
                return bytes.available() == 0;
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setReadListener(ReadListener listener) {
            }
        };
        ServletInputStream limited = new GatewayServlet.LimitedInputStream(in, limit, 0, -1);
        HttpServletRequest req = (HttpServletRequest) Proxy.newProxyInstance(DirectCallTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getInputStream")) {
                        return limited;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        return new DirectCall(req, null, "r1", new Caller("acme-app", Caller.TENANT, io.headroom.core.api.TenantId.of("acme")), null, null);
    }

    private static String refusal(String body, int status) throws Exception {
        try {
            call(body, 1000).readJson(Sql.class);
        } catch (ProblemException e) {
            assertEquals(body, status, e.status());
            return e.detail();
        }
        fail("accepted: " + body);
        return null;
    }

    @Test
    public void aBodyIsReadWithTheHostsStrictRules() throws Exception {
        Sql ok = call("{\"sql\":\"SELECT 1\",\"params\":[\"acme\",2],\"maxRows\":5}", 1000).readJson(Sql.class);
        assertEquals("SELECT 1", ok.sql());
        assertEquals(List.of("acme", 2), ok.params());
        assertNull(call("{\"sql\":\"x\"}", 1000).readJson(Sql.class).maxRows());
        assertEquals("a JSON request body is required", refusal("", 400));
        assertEquals("a JSON request body is required", refusal("null", 400));
        assertEquals("unknown field 'nonsense'; known fields: maxRows, params, sql", refusal("{\"nonsense\":1}", 400));
        assertEquals("invalid value for field 'maxRows': Cannot coerce String value (\"5\") to `java.lang.Integer` value"
                + " (but might if coercion using `CoercionConfig` was enabled)", refusal("{\"maxRows\":\"5\"}", 400));
        String duplicate = refusal("{\"sql\":\"a\",\"sql\":\"b\"}", 400);
        assertEquals(duplicate, true, duplicate.contains("Duplicate field 'sql'"));
        assertEquals(true, refusal("{\"sql\":", 400).startsWith("malformed"));
        assertEquals(true, refusal("{\"sql\":\"a\"} {}", 400).startsWith("malformed request body: Trailing token"));
        assertEquals("request body is larger than the limit of 1000 bytes", refusal("{\"sql\":\"" + "x".repeat(2000) + "\"}", 413));
    }

    @Test
    public void theRefusalsAreJsonProvidersOwn() throws Exception {
        // the JAX-RS reader and the direct one share these: a refusal reads the same on either path
        assertEquals(JsonProvider.bodyRequired().detail(), refusal("", 400));
        assertNull("an I/O failure that is not the client's stays an I/O failure",
                JsonProvider.refusal(new java.io.IOException("disk")));
    }
}
