package io.headroom.core.api.auth;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.Caller;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * API tokens for client services, each bound to one tenant or to platform scope. Only a SHA-256 hash of a token
 * is stored; the secret is shown once, when it is created.
 */
@ProviderType
public interface ApiTokens {

    /** Creates a token for one tenant, or for platform scope when {@code tenant} is null. */
    IssuedToken create(String name, TenantId tenant);

    List<TokenInfo> list();

    /** Revokes a token by id; false if no active token has that id. */
    boolean revoke(String id);

    /** The caller a presented token stands for, if it is a live token. */
    Optional<Caller> authenticate(String token);

    /** Creates a token limited to {@code scope} (see {@link TokenScope}); {@link TokenScope#ALL} is {@link #create(String, TenantId)}. */
    default IssuedToken create(String name, TenantId tenant, TokenScope scope) {
        if (scope == null || !scope.restricted()) {
            return create(name, tenant);
        }
        throw new UnsupportedOperationException("this token store has no scoped tokens");
    }

    /** The scope of a presented live token ({@link TokenScope#ALL} when it has none or is unknown). */
    default TokenScope scope(String token) {
        return TokenScope.ALL;
    }
}
