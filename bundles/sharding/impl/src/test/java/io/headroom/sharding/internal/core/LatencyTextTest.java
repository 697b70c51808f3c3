package io.headroom.sharding.internal.core;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

public class LatencyTextTest {
    @Test
    public void millisecondsWithTheirPrecisionAndADashForNone() {
        assertEquals("-", LatencyText.millis(null));
        assertEquals("-", LatencyText.millis(Double.NaN));
        assertEquals("0.42 ms", LatencyText.millis(0.4212));
        assertEquals("4.06 ms", LatencyText.millis(4.0625));
        assertEquals("42.5 ms", LatencyText.millis(42.51));
        assertEquals("1250 ms", LatencyText.millis(1250.4));
    }
}
