package io.headroom.core.api.auth;

/** A token's public description; never the secret nor its hash. {@code tenant} is null for platform scope. */
public record TokenInfo(String id, String name, String scope, String tenant, String createdAt, String revokedAt, TokenScope limits) {
    public TokenInfo {
        limits = limits == null ? TokenScope.ALL : limits;
    }

    public TokenInfo(String id, String name, String scope, String tenant, String createdAt, String revokedAt) {
        this(id, name, scope, tenant, createdAt, revokedAt, TokenScope.ALL);
    }
}
