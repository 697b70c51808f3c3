package io.headroom.core.internal.auth;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.Test;

public class LoginThrottleTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final LoginThrottle throttle = new LoginThrottle(5, 1000, 60_000, 100, now::get);

    @Test
    public void aSourceFailingForOneAccountIsLockedForLongerAndLonger() {
        for (int i = 0; i < 5; i++) {
            assertEquals(0, throttle.failed("10.0.0.1", "karaf"));
        }
        assertEquals(0, throttle.lockedMillis("10.0.0.1", "karaf"));
        assertEquals(1000, throttle.failed("10.0.0.1", "karaf"));
        assertEquals(1000, throttle.lockedMillis("10.0.0.1", "karaf"));
        assertEquals("another source is not locked", 0, throttle.lockedMillis("10.0.0.2", "karaf"));
        assertEquals("another account from that source neither", 0, throttle.lockedMillis("10.0.0.1", "ops"));
        assertEquals(2000, throttle.failed("10.0.0.1", "karaf"));
        for (int i = 0; i < 20; i++) {
            throttle.failed("10.0.0.1", "karaf");
        }
        assertEquals("capped", 60_000, throttle.lockedMillis("10.0.0.1", "karaf"));
        now.addAndGet(60_001);
        assertEquals(0, throttle.lockedMillis("10.0.0.1", "karaf"));
        throttle.succeeded("10.0.0.1", "karaf");
        assertEquals(0, throttle.lockedMillis("10.0.0.1", "karaf"));
    }

    @Test
    public void aSourceTryingManyAccountsIsLockedToo() {
        for (int i = 0; i < 5 * LoginThrottle.SOURCE_FACTOR; i++) {
            throttle.failed("10.0.0.9", "user" + i);
        }
        throttle.failed("10.0.0.9", "yet-another");
        assertTrue(throttle.lockedMillis("10.0.0.9", "never-tried") > 0);
    }

    @Test
    public void memoryIsBounded() {
        for (int i = 0; i < 10_000; i++) {
            throttle.failed("10.1." + (i / 256) + "." + (i % 256), "karaf");
        }
        assertTrue(throttle.size() <= 100);
    }
}
