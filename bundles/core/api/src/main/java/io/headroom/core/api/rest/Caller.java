package io.headroom.core.api.rest;

import io.headroom.core.api.TenantId;
import java.security.Principal;
import java.util.Optional;
import javax.ws.rs.core.SecurityContext;

/**
 * Who is calling: an operator (Karaf JAAS realm), a platform-scope token or a tenant-bound token. The REST host
 * puts it in the request's {@link SecurityContext}; roles are {@value #OPERATOR}, {@value #PLATFORM}, {@value #TENANT}.
 */
public record Caller(String name, String role, TenantId tenant) implements Principal {
    public static final String OPERATOR = "operator";
    public static final String PLATFORM = "platform";
    public static final String TENANT = "tenant";

    public Caller {
        if (TENANT.equals(role) != (tenant != null)) {
            throw new IllegalArgumentException("a tenant caller has a tenant, and only it");
        }
    }

    @Override
    public String getName() {
        return name;
    }

    /** Operators and platform tokens reach every tenant; a tenant token only its own. */
    public boolean canAccess(TenantId other) {
        return tenant == null || tenant.equals(other);
    }

    public Optional<TenantId> tenantScope() {
        return Optional.ofNullable(tenant);
    }

    /** The caller of the current request, as the REST host authenticated it. */
    public static Caller of(SecurityContext context) {
        return (Caller) context.getUserPrincipal();
    }
}
