package io.headroom.core.api;

import java.util.regex.Pattern;

/**
 * A tenant's identity: 1 to 63 characters of lower-case letters, digits, {@code -} and {@code _},
 * starting with a letter or a digit. The format keeps ids safe in SQL identifiers, index names, queue
 * group ids and URLs alike, so a TenantId is never escaped or quoted differently per system.
 */
public final class TenantId implements Comparable<TenantId> {
    public static final int MAX_LENGTH = 63;
    private static final Pattern FORMAT = Pattern.compile("[a-z0-9][a-z0-9_-]{0," + (MAX_LENGTH - 1) + "}");

    private final String value;

    private TenantId(String value) {
        this.value = value;
    }

    /** Parses a tenant id, rejecting anything outside the documented format. */
    public static TenantId of(String value) {
        if (value == null || value.isEmpty()) {
            throw new InvalidTenantIdException("tenant id is missing");
        }
        if (!FORMAT.matcher(value).matches()) {
            String shown = value.length() > MAX_LENGTH + 2 ? value.substring(0, MAX_LENGTH) + "..." : value;
            throw new InvalidTenantIdException("invalid tenant id '" + shown + "': use 1-" + MAX_LENGTH
                    + " characters of a-z, 0-9, '-' or '_', starting with a letter or digit");
        }
        return new TenantId(value);
    }

    /** Same as {@link #of(String)}; the name JAX-RS looks for when converting parameters. */
    public static TenantId valueOf(String value) {
        return of(value);
    }

    public static boolean isValid(String value) {
        return value != null && FORMAT.matcher(value).matches();
    }

    public String value() {
        return value;
    }

    @Override
    public int compareTo(TenantId other) {
        return value.compareTo(other.value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TenantId t && t.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return value;
    }
}
