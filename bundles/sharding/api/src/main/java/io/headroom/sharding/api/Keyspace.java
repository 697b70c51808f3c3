package io.headroom.sharding.api;

import io.headroom.core.api.TenantId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The keyspace id of a tenant: the first 8 bytes (big-endian) of MD5 over the UTF-8 bytes of its id, read as an
 * unsigned 64-bit number. This is the prefix of Vitess's {@code binary_md5} vindex, so key ranges written in
 * Vitess notation ({@code -40}, {@code 40-80}, {@code 80-}) mean the same tenants here and there. It never
 * changes: a tenant's placement depends on nothing but its id and the topology.
 */
public final class Keyspace {
    private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(Keyspace::md5);

    private Keyspace() {
    }

    /** The tenant's keyspace id (compare with {@link Long#compareUnsigned}). */
    public static long idOf(TenantId tenant) {
        byte[] d = MD5.get().digest(tenant.value().getBytes(StandardCharsets.UTF_8));
        long id = 0;
        for (int i = 0; i < 8; i++) {
            id = (id << 8) | (d[i] & 0xff);
        }
        return id;
    }

    /** The keyspace id as 16 hex digits, the form key ranges are written in. */
    public static String hex(long keyspaceId) {
        return String.format("%016x", keyspaceId);
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has MD5", e);
        }
    }
}
