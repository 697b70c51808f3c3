package io.headroom.search.internal.core;

import io.headroom.core.api.TenantId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where a layout keeps a tenant's documents: its dedicated index if it has one, otherwise the partition index its
 * stable hash picks. Index names carry the collection and the layout number, so two layouts never share an index.
 */
public record Layout(String collection, int number, int partitions, Set<TenantId> dedicated) {
    public Layout {
        if (partitions < 1) {
            throw new IllegalArgumentException("a layout has at least one partition");
        }
        dedicated = Set.copyOf(dedicated);
    }

    /** The prefix of every index of this layout, e.g. {@code hr-orders-2-}. */
    public String prefix() {
        return "hr-" + collection + "-" + number + "-";
    }

    public String indexFor(TenantId tenant) {
        if (dedicated.contains(tenant)) {
            return prefix() + "t-" + tenant.value();
        }
        return prefix() + "p" + partition(tenant, partitions);
    }

    /** Every index of the layout: partitions first, then dedicated indexes in tenant order. */
    public List<String> indexes() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            names.add(prefix() + "p" + i);
        }
        for (TenantId t : new TreeSet<>(dedicated)) {
            names.add(prefix() + "t-" + t.value());
        }
        return names;
    }

    /** First four bytes of SHA-256 of the tenant id, unsigned, modulo the partition count: the same everywhere, forever. */
    public static int partition(TenantId tenant, int partitions) {
        byte[] h = sha256(tenant.value());
        long v = ((h[0] & 0xffL) << 24) | ((h[1] & 0xffL) << 16) | ((h[2] & 0xffL) << 8) | (h[3] & 0xffL);
        return (int) (v % partitions);
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
