package io.headroom.sharding.api;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import org.junit.Test;

public class KeyRangeTest {
    @Test
    public void vitessNotationParsesAndPrints() {
        assertEquals("-40", KeyRange.parse("-40").toString());
        assertEquals("40-80", KeyRange.parse("40-80").toString());
        assertEquals("80-", KeyRange.parse("80-").toString());
        assertEquals("-", KeyRange.parse("-").toString());
        assertEquals(KeyRange.parse("40-80"), KeyRange.parse("4000-8000"));
        assertEquals("4080-c0", KeyRange.parse("4080-C0").toString());
    }

    @Test
    public void containsIsStartInclusiveEndExclusiveAndUnsigned() {
        KeyRange r = KeyRange.parse("40-80");
        assertTrue(r.contains(0x4000000000000000L));
        assertTrue(r.contains(0x7fffffffffffffffL));
        assertFalse(r.contains(0x8000000000000000L));
        assertFalse(r.contains(0x3fffffffffffffffL));
        assertTrue(KeyRange.parse("80-").contains(0xffffffffffffffffL));
        assertTrue(KeyRange.parse("80-").contains(0x8000000000000000L));
        assertFalse(KeyRange.parse("-80").contains(0x8000000000000000L));
        assertTrue(KeyRange.parse("-80").contains(0));
    }

    @Test
    public void overlapsDetectsSharedKeysOnly() {
        assertFalse(KeyRange.parse("-40").overlaps(KeyRange.parse("40-80")));
        assertTrue(KeyRange.parse("-41").overlaps(KeyRange.parse("40-80")));
        assertTrue(KeyRange.parse("-").overlaps(KeyRange.parse("40-80")));
        assertTrue(KeyRange.parse("c0-").overlaps(KeyRange.parse("80-")));
        assertFalse(KeyRange.parse("c0-").overlaps(KeyRange.parse("80-c0")));
    }

    @Test
    public void badRangesAreRefusedWithAReason() {
        assertThrows(IllegalArgumentException.class, () -> KeyRange.parse("80-40"));
        assertThrows(IllegalArgumentException.class, () -> KeyRange.parse("40-40"));
        assertThrows(IllegalArgumentException.class, () -> KeyRange.parse("x-40"));
        assertThrows(IllegalArgumentException.class, () -> KeyRange.parse("40"));
        assertThrows(IllegalArgumentException.class, () -> KeyRange.parse("1-2-3"));
        assertThrows(IllegalArgumentException.class, () -> KeyRange.parse("00000000000000001-"));
    }

    @Test
    public void halvesSplitAtTheMiddle() {
        KeyRange[] all = KeyRange.ALL.halves();
        assertEquals("-80", all[0].toString());
        assertEquals("80-", all[1].toString());
        KeyRange[] top = KeyRange.parse("80-").halves();
        assertEquals("80-c0", top[0].toString());
        assertEquals("c0-", top[1].toString());
        KeyRange[] mid = KeyRange.parse("40-80").halves();
        assertEquals("40-60", mid[0].toString());
        assertEquals("60-80", mid[1].toString());
    }

    @Test
    public void keyspaceIdIsTheMd5PrefixAndStable() {
        long acme = Keyspace.idOf(TenantId.of("acme"));
        assertEquals(acme, Keyspace.idOf(TenantId.of("acme")));
        assertNotEquals(acme, Keyspace.idOf(TenantId.of("acme2")));
        assertEquals(16, Keyspace.hex(acme).length());
        assertEquals(Keyspace.hex(acme), md5Prefix("acme"));
        // pinned (echo -n acme | md5sum): placement must never drift between versions
        assertEquals("53bce4f1dfa0fe8e", Keyspace.hex(acme));
    }

    private static String md5Prefix(String s) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("MD5").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                b.append(String.format("%02x", d[i]));
            }
            return b.toString();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
