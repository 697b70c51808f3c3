package io.headroom.core.internal.flags;

import io.headroom.core.api.InvalidJobNameException;
import io.headroom.core.api.JobName;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.flags.FlagDefinition;
import io.headroom.core.api.flags.InvalidFlagException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Flag evaluation: deny list, then allow list, then a deterministic rollout bucket against the percentage. */
public final class Rollout {
    /** Buckets per 100%: percentages have two decimals. */
    public static final int BUCKETS = 10_000;

    private Rollout() {
    }

    public static boolean isEnabled(FlagDefinition flag, TenantId tenant) {
        if (flag.denied().contains(tenant)) {
            return false;
        }
        if (flag.allowed().contains(tenant)) {
            return true;
        }
        return bucket(flag.name(), tenant) < basisPoints(flag.percentage());
    }

    /** The tenant's bucket for the flag, 0 to 9999: the first four bytes of SHA-256(flag ":" tenant), mod 10000. */
    public static int bucket(String flag, TenantId tenant) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256")
                    .digest((flag + ":" + tenant.value()).getBytes(StandardCharsets.UTF_8));
            long v = ((h[0] & 0xffL) << 24) | ((h[1] & 0xffL) << 16) | ((h[2] & 0xffL) << 8) | (h[3] & 0xffL);
            return (int) (v % BUCKETS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static int basisPoints(double percentage) {
        return (int) Math.round(percentage * 100);
    }

    /** A flag name is a job name (see {@link JobName}); a bad one is an {@link InvalidFlagException}. */
    public static String checkName(String name) {
        try {
            return JobName.of(name, "flag name", JobName.MAX_LENGTH).value();
        } catch (InvalidJobNameException e) {
            throw new InvalidFlagException(e.getMessage());
        }
    }
}
