package io.headroom.queue.internal.core;

import java.util.concurrent.ThreadLocalRandom;

/** The delay before a failed job's next attempt: exponential, capped, with jitter (half of it random, so retries spread). */
public final class Backoff {
    private Backoff() {
    }

    /** The delay before attempt {@code attempt + 1}: {@code base} doubled per attempt up to {@code max}, then between half and all of it. */
    public static long millis(long base, long max, int attempt) {
        long backoff = Math.min(max, base << Math.min(20, attempt - 1));
        return backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
    }
}
