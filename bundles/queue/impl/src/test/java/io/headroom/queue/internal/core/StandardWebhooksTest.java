package io.headroom.queue.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.Test;

public class StandardWebhooksTest {
    @Test
    public void signsLikeTheSpecificationsTestVector() {
        byte[] key = StandardWebhooks.key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        assertEquals("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                StandardWebhooks.sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}"));
    }

    @Test(expected = IllegalArgumentException.class)
    public void refusesASecretWithoutThePrefix() {
        StandardWebhooks.key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    }

    @Test(expected = IllegalArgumentException.class)
    public void refusesAShortSecret() {
        StandardWebhooks.key("whsec_c2hvcnQ=");
    }

    @Test
    public void aBurstingSubmitterIsSeenAndForgottenAfterTheBurst() {
        AtomicLong now = new AtomicLong();
        SubmitRate rate = new SubmitRate(1_000_000_000L, 20, 0.5, now::get);
        boolean bursting = false;
        for (int i = 0; i < 100; i++) {
            bursting = rate.submitted(TenantId.of("loud"));
        }
        assertTrue(bursting);
        assertFalse("a quiet tenant is not", rate.submitted(TenantId.of("quiet")));
        now.addAndGet(10_000_000_000L); // ten half-lives later
        assertFalse(rate.submitted(TenantId.of("loud")));
    }
}
