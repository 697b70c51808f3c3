package io.headroom.core.internal.flags;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.flags.FlagDefinition;
import io.headroom.core.api.flags.InvalidFlagException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.regex.Pattern;

/** Flag evaluation: deny list, then allow list, then a deterministic rollout bucket against the percentage. */
public final class Rollout {
    /** Buckets per 100%: percentages have two decimals. */
    public static final int BUCKETS = 10_000;
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");

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

    public static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidFlagException("invalid flag name '" + name
                    + "': use 1-100 characters of a-z, 0-9, '.', '-' or '_', starting with a letter or digit");
        }
        return name;
    }
}
