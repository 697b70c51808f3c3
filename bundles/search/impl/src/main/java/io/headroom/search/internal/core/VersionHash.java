package io.headroom.search.internal.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * An order-independent digest of a set of (id, version) pairs: the sum modulo 2^64 of each pair's 64-bit SHA-256
 * prefix, with the count. Two sides agree exactly when they hold the same ids at the same versions (up to a 2^-64
 * collision), whatever order their scans returned them in.
 */
public final class VersionHash {
    private final MessageDigest sha;
    private long sum;
    private long count;

    public VersionHash() {
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public VersionHash add(String id, long version) {
        sha.reset();
        sha.update(id.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        byte[] h = sha.digest(Long.toString(version).getBytes(StandardCharsets.UTF_8));
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (h[i] & 0xffL);
        }
        sum += v;
        count++;
        return this;
    }

    public long count() {
        return count;
    }

    /** {@code count:hex}, e.g. {@code 3:9f0c...}. */
    public String value() {
        return count + ":" + String.format("%016x", sum);
    }
}
