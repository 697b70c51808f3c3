package io.headroom.sharding.internal.core;

import io.headroom.core.api.TenantId;
import io.headroom.sharding.api.KeyRange;
import io.headroom.sharding.api.Keyspace;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which tenants a move or split carries: one tenant ({@code tenant:acme}) or every tenant of a key range that is
 * not pinned elsewhere ({@code range:40-80}). The same filter decides in Java (binlog events, the write fence) and
 * in SQL (chunked copy, verification, cleanup): the SQL form compares the first 16 hex digits of MD5, which is
 * exactly the keyspace id.
 */
public record TenantFilter(String tenant, KeyRange range) {
    public TenantFilter {
        if ((tenant == null) == (range == null)) {
            throw new IllegalArgumentException("a filter has a tenant or a range");
        }
    }

    public static TenantFilter tenant(String tenant) {
        return new TenantFilter(tenant, null);
    }

    public static TenantFilter range(KeyRange range) {
        return new TenantFilter(null, range);
    }

    public static TenantFilter parse(String text) {
        if (text.startsWith("tenant:")) {
            return tenant(TenantId.of(text.substring(7)).value());
        }
        if (text.startsWith("range:")) {
            return range(KeyRange.parse(text.substring(6)));
        }
        throw new IllegalArgumentException("bad tenant filter " + text);
    }

    /** Whether the tenant is carried; {@code pinned} are tenants routed by a pin, which a range never carries. */
    public boolean matches(String tenantId, Set<String> pinned) {
        if (tenant != null) {
            return tenant.equals(tenantId);
        }
        if (tenantId == null || !TenantId.isValid(tenantId) || pinned.contains(tenantId)) {
            return false;
        }
        return range.contains(Keyspace.idOf(TenantId.of(tenantId)));
    }

    /** A SQL condition on {@code column} (a quoted identifier) with its parameters appended to {@code params}. */
    public String sql(String column, Set<String> pinned, List<Object> params) {
        if (tenant != null) {
            params.add(tenant);
            return column + " = ?";
        }
        List<String> parts = new ArrayList<>();
        String id = "LEFT(MD5(" + column + "), 16)";
        if (!range.unboundedStart()) {
            parts.add(id + " >= ?");
            params.add(Keyspace.hex(range.start()));
        }
        if (!range.unboundedEnd()) {
            parts.add(id + " < ?");
            params.add(Keyspace.hex(range.end()));
        }
        if (!pinned.isEmpty()) {
            parts.add(column + " NOT IN (" + String.join(", ", pinned.stream().map(p -> "?").toList()) + ")");
            params.addAll(pinned.stream().sorted().toList());
        }
        return parts.isEmpty() ? "1 = 1" : String.join(" AND ", parts);
    }

    @Override
    public String toString() {
        return tenant != null ? "tenant:" + tenant : "range:" + range.toString().toLowerCase(Locale.ROOT);
    }
}
