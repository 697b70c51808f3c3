package io.headroom.core.internal.auth;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.auth.ApiTokens;
import io.headroom.core.api.auth.IssuedToken;
import io.headroom.core.api.auth.TokenInfo;
import io.headroom.core.api.auth.TokenScope;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.store.ControlStore;
import io.headroom.core.api.store.Migration;
import io.headroom.core.internal.store.ControlCache;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Tokens in the control schema, cached per node by hash ({@link ControlCache}) so that authenticating a request is
 * a map lookup. A revoked token stops working on this node at once and on the others within the refresh interval.
 */
@Component(service = ApiTokens.class, configurationPid = JdbcApiTokens.PID)
@Designate(ocd = JdbcApiTokens.Config.class)
public final class JdbcApiTokens implements ApiTokens {
    public static final String PID = "io.headroom.tokens";
    static final String COUNTER = "tokens";
    private static final long MISS_RELOAD_SPACING_MILLIS = 250;

    static final List<Migration> MIGRATIONS = List.of(Migration.of(1, "api tokens",
            "CREATE TABLE IF NOT EXISTS api_tokens (id CHAR(12) NOT NULL PRIMARY KEY, token_hash CHAR(64) NOT NULL,"
                    + " name VARCHAR(100) NOT NULL, tenant VARCHAR(63) NULL,"
                    + " created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), revoked_at TIMESTAMP(3) NULL,"
                    + " UNIQUE KEY uk_token_hash (token_hash)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"),
            Migration.of(2, "token scopes", "ALTER TABLE api_tokens ADD COLUMN scope VARCHAR(1000) NULL"));

    @ObjectClassDefinition(name = "Headroom API tokens")
    public @interface Config {
        @AttributeDefinition(description = "How often each node checks the control schema for token changes, ms")
        long refreshMillis() default 1000;

        @AttributeDefinition(description = "How long a node that cannot reach the control schema keeps accepting the"
                + " tokens it last confirmed, ms (tokens it never saw are refused at once)")
        long offlineGraceMillis() default 900_000;
    }

    /** Unknown token hashes remembered (bounded), so a client repeating a bad token costs no query each time. */
    private static final int MAX_UNKNOWN = 10_000;

    private final DataSource db;
    private final ControlCache cache;
    private volatile Map<String, Caller> byHash = Map.of();
    private volatile Map<String, TokenScope> scopes = Map.of();
    private final long refreshMillis;
    private final long offlineGraceMillis;
    private final Map<String, Long> unknown = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_UNKNOWN;
        }
    });
    private final java.util.concurrent.atomic.AtomicLong lastMissReload = new java.util.concurrent.atomic.AtomicLong();

    @Activate
    public JdbcApiTokens(@Reference ControlStore store, Config config) throws SQLException {
        store.migrate("core.tokens", MIGRATIONS);
        this.db = store.dataSource();
        this.refreshMillis = config.refreshMillis();
        this.offlineGraceMillis = config.offlineGraceMillis();
        this.cache = new ControlCache(db, COUNTER, config.refreshMillis(), this::load);
    }

    @Deactivate
    void deactivate() {
        cache.close();
    }

    private void load(Connection c) throws SQLException {
        Map<String, Caller> next = new HashMap<>();
        Map<String, TokenScope> nextScopes = new HashMap<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT token_hash, name, tenant, scope FROM api_tokens WHERE revoked_at IS NULL")) {
            while (rs.next()) {
                String tenant = rs.getString(3);
                next.put(rs.getString(1), tenant == null
                        ? new Caller(rs.getString(2), Caller.PLATFORM, null)
                        : new Caller(rs.getString(2), Caller.TENANT, TenantId.of(tenant)));
                TokenScope scope = TokenScope.parse(rs.getString(4));
                if (scope.restricted()) {
                    nextScopes.put(rs.getString(1), scope);
                }
            }
        }
        scopes = Map.copyOf(nextScopes);
        byHash = Map.copyOf(next);
    }

    @Override
    public IssuedToken create(String name, TenantId tenant) {
        return create(name, tenant, TokenScope.ALL);
    }

    @Override
    public TokenScope scope(String token) {
        if (token == null || !token.startsWith("hr_") || token.length() > 100) {
            return TokenScope.ALL;
        }
        return scopes.getOrDefault(TokenFormat.hash(token), TokenScope.ALL);
    }

    @Override
    public IssuedToken create(String name, TenantId tenant, TokenScope scope) {
        TokenScope limits = scope == null ? TokenScope.ALL : scope;
        if (name == null || name.isBlank() || name.length() > 100) {
            throw new IllegalArgumentException("token name must be 1-100 characters");
        }
        String id = TokenFormat.newId();
        String token = TokenFormat.newToken(id);
        cache.write(c -> {
            try (PreparedStatement p = c.prepareStatement("INSERT INTO api_tokens (id, token_hash, name, tenant, scope) VALUES (?, ?, ?, ?, ?)")) {
                p.setString(1, id);
                p.setString(2, TokenFormat.hash(token));
                p.setString(3, name);
                p.setString(4, tenant == null ? null : tenant.value());
                p.setString(5, limits.restricted() ? limits.text() : null);
                p.executeUpdate();
            }
            return true;
        });
        TokenInfo info = list().stream().filter(t -> t.id().equals(id)).findFirst().orElseThrow();
        return new IssuedToken(info, token);
    }

    @Override
    public List<TokenInfo> list() {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, name, tenant, created_at, revoked_at, scope FROM api_tokens ORDER BY created_at, id")) {
            List<TokenInfo> out = new ArrayList<>();
            while (rs.next()) {
                String tenant = rs.getString(3);
                out.add(new TokenInfo(rs.getString(1), rs.getString(2), tenant == null ? Caller.PLATFORM : Caller.TENANT, tenant,
                        instant(rs.getTimestamp(4)), instant(rs.getTimestamp(5)), TokenScope.parse(rs.getString(6))));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot list tokens: " + e.getMessage(), e);
        }
    }

    private static String instant(Timestamp t) {
        return t == null ? null : t.toInstant().toString();
    }

    @Override
    public boolean revoke(String id) {
        return cache.write(c -> {
            try (PreparedStatement p = c.prepareStatement(
                    "UPDATE api_tokens SET revoked_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND revoked_at IS NULL")) {
                p.setString(1, id);
                return p.executeUpdate() > 0;
            }
        });
    }

    @Override
    public Optional<Caller> authenticate(String token) {
        if (token == null || !token.startsWith("hr_") || token.length() > 100) {
            return Optional.empty();
        }
        if (cache.millisSinceConfirmed() > offlineGraceMillis) {
            return Optional.empty(); // the control schema has been away too long to vouch for any token
        }
        String hash = TokenFormat.hash(token);
        Caller caller = byHash.get(hash);
        if (caller == null && missMayReload(hash)) {
            cache.refresh(); // a token made on another node a moment ago
            caller = byHash.get(hash);
        }
        if (caller == null) {
            unknown.put(hash, System.currentTimeMillis());
        }
        return Optional.ofNullable(caller);
    }

    /**
     * Whether an unknown token may trigger a check of the control schema: not when this token was unknown within the
     * refresh interval (the periodic refresh will see it), and at most once per {@value #MISS_RELOAD_SPACING_MILLIS}
     * ms for all unknown tokens together, so bad tokens cost no query each.
     */
    private boolean missMayReload(String hash) {
        long now = System.currentTimeMillis();
        Long seen = unknown.get(hash);
        if (seen != null && now - seen < refreshMillis) {
            return false;
        }
        long last = lastMissReload.get();
        return now - last > MISS_RELOAD_SPACING_MILLIS && lastMissReload.compareAndSet(last, now);
    }

    /** How many unknown tokens are remembered (bounded by {@value #MAX_UNKNOWN}). */
    int unknownTokens() {
        return unknown.size();
    }
}
