package io.headroom.sharding.api;

/**
 * Where a tenant's reads may run: {@code primary} (always), {@code replica} (any replica of the tenant's shard that
 * replicates, whatever its lag), or {@code replica-with-max-lag=<ms>} (a replica known to hold every transaction
 * committed on the primary more than that many milliseconds ago). When no replica qualifies the read runs on the
 * primary. Writes always run on the primary.
 *
 * @param maxLagMillis the lag bound; {@link Long#MAX_VALUE} for {@code replica}, 0 for {@code primary}
 */
public record ReadPreference(Kind kind, long maxLagMillis) {
    public enum Kind { PRIMARY, REPLICA }

    public static final ReadPreference PRIMARY = new ReadPreference(Kind.PRIMARY, 0);
    public static final ReadPreference REPLICA = new ReadPreference(Kind.REPLICA, Long.MAX_VALUE);

    public ReadPreference {
        if (kind == null || maxLagMillis < 0) {
            throw new IllegalArgumentException("a read preference has a kind and a lag bound of at least 0 ms");
        }
    }

    /** A replica at most {@code millis} behind the primary. */
    public static ReadPreference maxLag(long millis) {
        return new ReadPreference(Kind.REPLICA, millis);
    }

    /** Parses {@code primary}, {@code replica} or {@code replica-with-max-lag=<ms>}; null or blank is primary. */
    public static ReadPreference parse(String text) {
        if (text == null || text.isBlank() || text.trim().equalsIgnoreCase("primary")) {
            return PRIMARY;
        }
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("replica")) {
            return REPLICA;
        }
        if (t.startsWith("replica-with-max-lag=")) {
            try {
                long ms = Long.parseLong(t.substring("replica-with-max-lag=".length()));
                if (ms >= 0) {
                    return maxLag(ms);
                }
            } catch (NumberFormatException e) {
                // falls through to the message below
            }
        }
        throw new IllegalArgumentException("read preference '" + text + "' must be primary, replica or replica-with-max-lag=<ms>");
    }

    @Override
    public String toString() {
        return kind == Kind.PRIMARY ? "primary" : maxLagMillis == Long.MAX_VALUE ? "replica" : "replica-with-max-lag=" + maxLagMillis;
    }
}
