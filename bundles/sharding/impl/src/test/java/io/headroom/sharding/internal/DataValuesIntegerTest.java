package io.headroom.sharding.internal;

import static org.junit.Assert.assertEquals;

import java.math.BigInteger;
import org.junit.Test;

/** An integer read as the driver's long gives the same JSON value as read through its text. */
public class DataValuesIntegerTest {
    @Test
    public void aLongAndItsTextGiveTheSameJsonValue() {
        long safe = 1L << 53;
        for (long v : new long[] {0, 1, -1, 42, safe - 1, safe, safe + 1, -safe, -safe - 1, -safe + 1, Long.MAX_VALUE, Long.MIN_VALUE,
                Integer.MAX_VALUE, Integer.MIN_VALUE, 4294967295L}) {
            assertEquals(Long.toString(v), DataValues.integer(new BigInteger(Long.toString(v))), DataValues.integer(v));
        }
        assertEquals(safe - 1, DataValues.integer(safe - 1));
        assertEquals("9007199254740992", DataValues.integer(safe));
        assertEquals(-safe, DataValues.integer(-safe));
        assertEquals("-9007199254740993", DataValues.integer(-safe - 1));
    }
}
