package io.headroom.sharding.internal.engine;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

/**
 * TIME2 as the server writes it to the binlog (3 bytes of sign-offset integer part, then 0-3 bytes of fraction,
 * big-endian; MySQL's my_time_packed_from_binary): the byte strings below are the server's encoding of each value.
 */
public class SignedTimeTest {
    private static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (byte) v[i];
        }
        return out;
    }

    @Test
    public void wholeSeconds() {
        assertEquals("00:00:00", SignedTime.decode(b(0x80, 0x00, 0x00), b(), 0));
        assertEquals("00:00:01", SignedTime.decode(b(0x80, 0x00, 0x01), b(), 0));
        assertEquals("-00:00:01", SignedTime.decode(b(0x7F, 0xFF, 0xFF), b(), 0));
        // 838:59:59 = (838 << 12 | 59 << 6 | 59) = 0x346EFB
        assertEquals("838:59:59", SignedTime.decode(b(0xB4, 0x6E, 0xFB), b(), 0));
        assertEquals("-838:59:59", SignedTime.decode(b(0x4B, 0x91, 0x05), b(), 0));
    }

    @Test
    public void hundredthsWithTheBorrowOfNegativeValues() {
        // 12:34:56 = 12 << 12 | 34 << 6 | 56 = 0xC8B8; .78 is one byte, 78
        assertEquals("12:34:56.780000", SignedTime.decode(b(0x80, 0xC8, 0xB8), b(78), 2));
        // -12:34:56.78: integer part -(0xC8B8) - 1 = -0xC8B9 (offset 0x800000 - 0xC8B9 = 0x7F3747), fraction 0x100 - 78 = 178
        assertEquals("-12:34:56.780000", SignedTime.decode(b(0x7F, 0x37, 0x47), b(178), 2));
        assertEquals("-12:34:56", SignedTime.decode(b(0x7F, 0x37, 0x48), b(0), 2));
    }

    @Test
    public void tenThousandthsAndMicroseconds() {
        // -00:00:00.5 with fsp 4: integer -1 (0x7FFFFF), fraction 0x10000 - 5000 = 0xEC78
        assertEquals("-00:00:00.500000", SignedTime.decode(b(0x7F, 0xFF, 0xFF), b(0xEC, 0x78), 4));
        // fsp 6: one 48-bit value, (hms << 24 | micros) + 0x800000000000; 00:00:01.000001 and its negative
        assertEquals("00:00:01.000001", SignedTime.decode(b(0x80, 0x00, 0x01), b(0x00, 0x00, 0x01), 6));
        // -(1 << 24 | 1) + 0x800000000000 = 0x7FFFFEFFFFFF
        assertEquals("-00:00:01.000001", SignedTime.decode(b(0x7F, 0xFF, 0xFE), b(0xFF, 0xFF, 0xFF), 6));
    }
}
