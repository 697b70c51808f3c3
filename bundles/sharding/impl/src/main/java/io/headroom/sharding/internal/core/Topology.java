package io.headroom.sharding.internal.core;

import io.headroom.core.api.TenantId;
import io.headroom.sharding.api.KeyRange;
import io.headroom.sharding.api.Keyspace;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An immutable snapshot of the shard map: shards with their key ranges (null for dedicated shards), tenant pins,
 * write fences (tenant filters of moves, whole shards of switchovers), each shard's replicas (JDBC URLs) and the
 * routing version it was read at. Routing: a pin wins; otherwise the shard whose range holds the tenant's keyspace id.
 */
public record Topology(long version, Map<String, ShardDef> shards, Map<String, String> pins, List<TenantFilter> fences,
        java.util.Set<String> fencedShards, Map<String, List<String>> replicas) {
    public static final Pattern SHARD_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    /** A shard's definition as stored in the control schema. */
    public record ShardDef(String name, String url, KeyRange range) {
    }

    public Topology {
        shards = Map.copyOf(shards);
        pins = Map.copyOf(pins);
        fences = List.copyOf(fences);
        fencedShards = java.util.Set.copyOf(fencedShards);
        replicas = Map.copyOf(replicas);
    }

    public Topology(long version, Map<String, ShardDef> shards, Map<String, String> pins, List<TenantFilter> fences) {
        this(version, shards, pins, fences, java.util.Set.of(), Map.of());
    }

    public Topology(long version, Map<String, ShardDef> shards, Map<String, String> pins) {
        this(version, shards, pins, List.of());
    }

    /** The shard's replicas (JDBC URLs), none when it has none. */
    public List<String> replicasOf(String shard) {
        return replicas.getOrDefault(shard, List.of());
    }

    public static Topology empty() {
        return new Topology(0, Map.of(), Map.of());
    }

    /** Whether the tenant's statements are held back for a cut-over in progress. */
    public boolean fenced(TenantId tenant) {
        if (!fencedShards.isEmpty()) {
            Optional<ShardDef> s = route(tenant);
            if (s.isPresent() && fencedShards.contains(s.get().name())) {
                return true;
            }
        }
        for (TenantFilter f : fences) {
            if (f.matches(tenant.value(), pins.keySet())) {
                return true;
            }
        }
        return false;
    }

    /** The shard the tenant routes to, if any shard serves it. */
    public Optional<ShardDef> route(TenantId tenant) {
        String pinned = pins.get(tenant.value());
        if (pinned != null && shards.containsKey(pinned)) {
            return Optional.of(shards.get(pinned));
        }
        long id = Keyspace.idOf(tenant);
        for (ShardDef s : shards.values()) {
            if (s.range() != null && s.range().contains(id)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    public boolean pinned(TenantId tenant) {
        return pins.containsKey(tenant.value());
    }

    /** This topology without the tenant's pin: where the tenant would route if it were unpinned. */
    public Topology withoutPin(TenantId tenant) {
        Map<String, String> rest = new java.util.HashMap<>(pins);
        rest.remove(tenant.value());
        return new Topology(version, shards, rest, fences, fencedShards, replicas);
    }

    /** Checks that a new shard fits: valid unused name, a MySQL URL, a range that overlaps no other. */
    public void validateNewShard(String name, String url, KeyRange range) {
        if (name == null || !SHARD_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("shard name '" + name + "' must be 1-63 of a-z, 0-9, '-', '_', starting with a letter or digit");
        }
        if (shards.containsKey(name)) {
            throw new IllegalArgumentException("shard " + name + " already exists");
        }
        if (url == null || !url.startsWith("jdbc:mysql://") && !url.startsWith("jdbc:mariadb://")) {
            throw new IllegalArgumentException("shard URL must be a jdbc:mysql:// URL");
        }
        if (url.contains("password=")) {
            throw new IllegalArgumentException("shard URL must not carry credentials: they come from the sharding config");
        }
        checkUrlProperties(url);
        if (range != null) {
            for (ShardDef s : shards.values()) {
                if (s.range() != null && s.range().overlaps(range)) {
                    throw new IllegalArgumentException("key range " + range + " overlaps shard " + s.name() + " (" + s.range() + ")");
                }
            }
        }
    }

    /**
     * Connector/J properties a shard URL may set. Anything else is refused: several properties let a URL read files
     * of this host or run code from the server's answers ({@code allowLoadLocalInfile}, {@code allowUrlInLocalInfile},
     * {@code autoDeserialize}, {@code queryInterceptors}, ...), and the URL is operator input.
     */
    public static final java.util.Set<String> URL_PROPERTIES = java.util.Set.of("sslMode", "useSSL", "requireSSL",
            "verifyServerCertificate", "trustCertificateKeyStoreUrl", "serverTimezone", "connectionTimeZone",
            "characterEncoding", "useUnicode", "connectTimeout", "socketTimeout", "createDatabaseIfNotExist",
            "rewriteBatchedStatements", "useServerPrepStmts", "cachePrepStmts", "prepStmtCacheSize",
            "prepStmtCacheSqlLimit", "tcpKeepAlive", "zeroDateTimeBehavior", "allowPublicKeyRetrieval");
    private static final java.util.regex.Pattern URL_SHAPE = java.util.regex.Pattern.compile(
            "jdbc:(mysql|mariadb)://[A-Za-z0-9.-]+(:[0-9]{1,5})?/[A-Za-z0-9_$-]+(\\?[^#]*)?");

    /** One host (no credentials, no per-host properties in parentheses), one database, allowed properties only. */
    static void checkUrlProperties(String url) {
        if (!URL_SHAPE.matcher(url).matches()) {
            throw new IllegalArgumentException("shard URL must be jdbc:mysql://host[:port]/database[?property=value&...]");
        }
        int q = url.indexOf('?');
        if (q < 0) {
            return;
        }
        for (String pair : url.substring(q + 1).split("[&;]")) {
            String key = pair.split("=", 2)[0];
            if (!pair.isEmpty() && !URL_PROPERTIES.contains(key)) {
                throw new IllegalArgumentException("shard URL property '" + key + "' is not allowed; allowed: "
                        + new java.util.TreeSet<>(URL_PROPERTIES));
            }
        }
    }

    /** Whether the ranges cover the whole keyspace with no gap (overlaps are refused on the way in). */
    public static boolean coversKeyspace(Collection<KeyRange> ranges) {
        List<KeyRange> sorted = ranges.stream().sorted((a, b) -> a.unboundedStart() ? -1 : b.unboundedStart() ? 1
                : Long.compareUnsigned(a.start(), b.start())).toList();
        if (sorted.isEmpty() || !sorted.get(0).unboundedStart()) {
            return false;
        }
        for (int i = 1; i < sorted.size(); i++) {
            KeyRange prev = sorted.get(i - 1);
            if (prev.unboundedEnd() || prev.end() != sorted.get(i).start()) {
                return false;
            }
        }
        return sorted.get(sorted.size() - 1).unboundedEnd();
    }
}
