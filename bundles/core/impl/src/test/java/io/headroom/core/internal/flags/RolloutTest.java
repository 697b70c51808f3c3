package io.headroom.core.internal.flags;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.flags.FlagDefinition;
import io.headroom.core.api.flags.InvalidFlagException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.TreeSet;
import org.junit.Test;

public class RolloutTest {
    private static FlagDefinition flag(double pct, String allow, String deny) {
        TreeSet<TenantId> a = new TreeSet<>();
        TreeSet<TenantId> d = new TreeSet<>();
        if (allow != null) {
            a.add(TenantId.of(allow));
        }
        if (deny != null) {
            d.add(TenantId.of(deny));
        }
        return new FlagDefinition("search.v2", "", pct, a, d, 1);
    }

    @Test
    public void bucketIsTheDocumentedHash() {
        // recomputed independently, so a change of hash (which would move tenants between cohorts) fails loudly
        assertEquals(Rollout.bucket("search.v2", TenantId.of("acme")), Rollout.bucket("search.v2", TenantId.of("acme")));
        assertEquals(expected("search.v2:acme"), Rollout.bucket("search.v2", TenantId.of("acme")));
    }

    private static int expected(String input) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(input.getBytes(StandardCharsets.UTF_8));
            return (int) (new BigInteger(1, Arrays.copyOf(h, 4)).longValue() % 10_000);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    public void raisingThePercentageOnlyAddsTenants() {
        for (int i = 0; i < 2000; i++) {
            TenantId t = TenantId.of("t" + i);
            boolean wasOn = false;
            for (double pct = 0; pct <= 100; pct += 5) {
                boolean on = Rollout.isEnabled(flag(pct, null, null), t);
                assertTrue("tenant " + t + " dropped out at " + pct + "%", on || !wasOn);
                wasOn = on;
            }
            assertTrue(Rollout.isEnabled(flag(100, null, null), t));
            assertFalse(Rollout.isEnabled(flag(0, null, null), t));
        }
    }

    @Test
    public void percentageSelectsAboutThatShareOfTenants() {
        int on = 0;
        for (int i = 0; i < 10_000; i++) {
            if (Rollout.isEnabled(flag(30, null, null), TenantId.of("tenant-" + i))) {
                on++;
            }
        }
        assertTrue("30% of 10000 tenants gave " + on, on > 2800 && on < 3200);
    }

    @Test
    public void denyWinsThenAllowThenPercentage() {
        TenantId acme = TenantId.of("acme");
        assertTrue(Rollout.isEnabled(flag(0, "acme", null), acme));
        assertFalse(Rollout.isEnabled(flag(100, null, "acme"), acme));
    }

    @Test
    public void namesAreChecked() {
        assertEquals("search.v2-read_path", Rollout.checkName("search.v2-read_path"));
        for (String bad : new String[] {"", "Search", ".x", "a b", "x".repeat(101)}) {
            assertThrows(InvalidFlagException.class, () -> Rollout.checkName(bad));
        }
    }
}
