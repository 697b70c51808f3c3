package io.headroom.core.internal.rest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.servlet.ReadListener;
import javax.servlet.ServletInputStream;
import org.junit.Test;

public class GatewayServletTest {
    @Test
    public void theFirstPathSegmentNamesTheEndpoint() {
        assertEquals("example", GatewayServlet.firstSegment("/example/tenants/a/greeting"));
        assertEquals("health", GatewayServlet.firstSegment("/health"));
        assertNull(GatewayServlet.firstSegment("/"));
        assertNull(GatewayServlet.firstSegment(null));
    }

    @Test
    public void requestIdsAre128RandomBitsInHex() {
        String a = GatewayServlet.newRequestId();
        assertTrue(a, a.matches("[0-9a-f]{32}"));
        assertNotEquals(a, GatewayServlet.newRequestId());
    }

    @Test
    public void onlyAFormLikePostWithBasicCredentialsIsForgeable() {
        String basic = "Basic a2FyYWY6eA==";
        assertTrue(GatewayServlet.crossSiteForgeable("POST", basic, null, null));
        assertTrue(GatewayServlet.crossSiteForgeable("POST", basic, "text/plain; charset=utf-8", null));
        assertTrue(GatewayServlet.crossSiteForgeable("POST", basic, "application/x-www-form-urlencoded", null));
        assertTrue(GatewayServlet.crossSiteForgeable("POST", basic, "multipart/form-data; boundary=x", null));
        assertTrue(!GatewayServlet.crossSiteForgeable("POST", basic, "application/json", null));
        assertTrue(!GatewayServlet.crossSiteForgeable("POST", basic, null, "cli"));
        assertTrue(!GatewayServlet.crossSiteForgeable("POST", "Bearer hr_x", null, null));
        assertTrue(!GatewayServlet.crossSiteForgeable("DELETE", basic, null, null)); // a browser preflights it
    }

    private static ServletInputStream body(int size) {
        ByteArrayInputStream bytes = new ByteArrayInputStream(new byte[size]);
        return new ServletInputStream() {
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
    }

    /** What decides whether the rest of a body must be left unread (the connection closed) after the answer. */
    @Test
    public void aBodyHasEndedOnceItsDeclaredLengthOrItsEndWasRead() throws IOException {
        GatewayServlet.LimitedInputStream declared = new GatewayServlet.LimitedInputStream(body(10), 100, 0, 10);
        assertEquals(4, declared.read(new byte[4]));
        assertTrue(!declared.ended());
        assertEquals(6, declared.read(new byte[16])); // all of it, without reading the end: a JSON parser stops there
        assertTrue(declared.ended());

        GatewayServlet.LimitedInputStream chunked = new GatewayServlet.LimitedInputStream(body(10), 100, 0, -1);
        assertEquals(10, chunked.read(new byte[16]));
        assertTrue("its length is not known before its end", !chunked.ended());
        assertEquals(-1, chunked.read(new byte[16]));
        assertTrue(chunked.ended());

        GatewayServlet.LimitedInputStream tooLarge = new GatewayServlet.LimitedInputStream(body(10), 5, 0, -1);
        try {
            tooLarge.read(new byte[16]);
            throw new AssertionError("read past the limit");
        } catch (BodyTooLargeException expected) {
            assertTrue("a refused body has not ended: its rest is left unread", !tooLarge.ended());
        }
    }
}
