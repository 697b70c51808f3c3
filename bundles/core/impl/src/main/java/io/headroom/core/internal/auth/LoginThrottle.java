package io.headroom.core.internal.auth;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Failed operator logins, per source address and account and per source alone: after {@code freeFailures} failures
 * in a row a key is locked for a delay that doubles with each further failure, up to {@code maxLockMillis}; a
 * success clears the account's key. A source trying many accounts is caught by its own key, which allows
 * {@link #SOURCE_FACTOR} times as many failures. Memory is bounded: the least recently failed keys are forgotten
 * beyond {@code maxKeys}.
 */
public final class LoginThrottle {
    static final int SOURCE_FACTOR = 4;

    private record Failures(int count, long lockedUntil) {
    }

    private final int freeFailures;
    private final long baseLockMillis;
    private final long maxLockMillis;
    private final LongSupplier clock;
    private final Map<String, Failures> keys;

    public LoginThrottle(int freeFailures, long baseLockMillis, long maxLockMillis, int maxKeys, LongSupplier clock) {
        this.freeFailures = freeFailures;
        this.baseLockMillis = baseLockMillis;
        this.maxLockMillis = maxLockMillis;
        this.clock = clock;
        this.keys = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Failures> eldest) {
                return size() > maxKeys;
            }
        };
    }

    /** Milliseconds until this source may try this account again; 0 when it may now. */
    public synchronized long lockedMillis(String source, String account) {
        long now = clock.getAsLong();
        long until = Math.max(until(accountKey(source, account)), until(sourceKey(source)));
        return Math.max(0, until - now);
    }

    private long until(String key) {
        Failures f = keys.get(key);
        return f == null ? 0 : f.lockedUntil;
    }

    /** Records a failure; returns the lock it caused in ms (0: none yet). */
    public synchronized long failed(String source, String account) {
        long a = fail(accountKey(source, account), freeFailures);
        long s = fail(sourceKey(source), freeFailures * SOURCE_FACTOR);
        return Math.max(a, s);
    }

    private long fail(String key, int free) {
        long now = clock.getAsLong();
        Failures f = keys.get(key);
        int count = f == null ? 1 : f.count + 1;
        long lock = 0;
        if (count > free) {
            int doublings = Math.min(30, count - free - 1);
            lock = Math.min(maxLockMillis, baseLockMillis << doublings);
        }
        keys.put(key, new Failures(count, lock == 0 ? 0 : now + lock));
        return lock;
    }

    public synchronized void succeeded(String source, String account) {
        keys.remove(accountKey(source, account));
    }

    synchronized int size() {
        return keys.size();
    }

    private static String accountKey(String source, String account) {
        return source + '\0' + account;
    }

    private static String sourceKey(String source) {
        return source + '\0';
    }
}
