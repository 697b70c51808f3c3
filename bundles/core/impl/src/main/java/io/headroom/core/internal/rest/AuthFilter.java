package io.headroom.core.internal.rest;

import io.headroom.core.api.InvalidTenantIdException;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.auth.ApiTokens;
import io.headroom.core.api.auth.TokenScope;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.core.internal.auth.OperatorLogin;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.annotation.Priority;
import javax.annotation.security.PermitAll;
import javax.annotation.security.RolesAllowed;
import javax.servlet.http.HttpServletRequest;
import javax.ws.rs.Priorities;
import javax.ws.rs.container.ContainerRequestContext;
import javax.ws.rs.container.ContainerRequestFilter;
import javax.ws.rs.container.ResourceInfo;
import javax.ws.rs.core.Context;
import javax.ws.rs.core.HttpHeaders;
import javax.ws.rs.core.SecurityContext;

/**
 * Authentication and tenant isolation for every endpoint the host publishes: a Bearer API token or operator
 * Basic credentials (Karaf JAAS); {@code @PermitAll} and {@code @RolesAllowed} honoured; and any path or query
 * parameter named {@code tenant} checked against a tenant token's tenant, so no resource can forget to.
 */
@Priority(Priorities.AUTHENTICATION)
final class AuthFilter implements ContainerRequestFilter {
    static final String TENANT_PARAM = "tenant";
    /** The request property (a servlet request attribute) holding the authenticated {@link Caller}, for the audit log. */
    static final String CALLER_ATTRIBUTE = AuthFilter.class.getName() + ".caller";

    private final ApiTokens tokens;
    private final OperatorLogin operators;
    private final TenantAdmission admission;

    @Context
    private ResourceInfo resource;
    @Context
    private HttpServletRequest servletRequest;

    /** The first path segment of the endpoints this filter guards (null: the servlet's, which passes it per call). */
    private final String segment;

    /** {@code admission} null: no tenant load reported nor REST limit applied (direct endpoints do their own). */
    AuthFilter(ApiTokens tokens, OperatorLogin operators, TenantAdmission admission, String segment) {
        this.tokens = tokens;
        this.operators = operators;
        this.admission = admission;
        this.segment = segment;
    }

    /** Why a token's scope does not cover this request, or null when it does (or the caller is not a token). */
    String scopeDenied(String authorization, String method, String segment) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        TokenScope scope = tokens.scope(authorization.substring(7).trim());
        if (scope.allows(method, segment)) {
            return null;
        }
        return "this token is limited to " + (scope.readOnly() ? "reads" : "")
                + (scope.readOnly() && !scope.capabilities().isEmpty() ? " of " : "")
                + (scope.capabilities().isEmpty() ? "" : "the capabilities " + new java.util.TreeSet<>(scope.capabilities()));
    }

    @Override
    public void filter(ContainerRequestContext request) {
        Method method = resource.getResourceMethod();
        Class<?> type = resource.getResourceClass();
        if (method.isAnnotationPresent(PermitAll.class)
                || (type.isAnnotationPresent(PermitAll.class) && !method.isAnnotationPresent(RolesAllowed.class))) {
            // open to all; credentials, when sent and valid, still say who calls (e.g. health details for operators)
            try {
                authenticate(request.getHeaderString(HttpHeaders.AUTHORIZATION), source()).ifPresent(caller -> {
                    request.setProperty(CALLER_ATTRIBUTE, caller);
                    request.setSecurityContext(new CallerContext(caller,
                            request.getSecurityContext() != null && request.getSecurityContext().isSecure()));
                });
            } catch (ProblemException e) {
                // a refused or throttled login on an open endpoint is simply anonymous
            }
            return;
        }
        String requestId = request.getHeaderString(GatewayServlet.REQUEST_ID);
        Optional<Caller> authenticated = authenticate(request.getHeaderString(HttpHeaders.AUTHORIZATION), source());
        if (authenticated.isEmpty()) {
            request.abortWith(Problem.of(401, "authentication required: send 'Authorization: Bearer <api token>'"
                            + " or operator Basic credentials", requestId).response()
                    // two challenges, Basic first: browsers (the status page) then ask for operator credentials
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"headroom\"")
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"headroom\"").build());
            return;
        }
        Caller caller = authenticated.get();
        request.setProperty(CALLER_ATTRIBUTE, caller);
        String outOfScope = scopeDenied(request.getHeaderString(HttpHeaders.AUTHORIZATION), request.getMethod(), segment);
        if (outOfScope != null) {
            request.abortWith(Problem.of(403, outOfScope, requestId).response().build());
            return;
        }
        RolesAllowed roles = method.isAnnotationPresent(RolesAllowed.class)
                ? method.getAnnotation(RolesAllowed.class) : type.getAnnotation(RolesAllowed.class);
        if (roles != null && !Arrays.asList(roles.value()).contains(caller.role())) {
            request.abortWith(Problem.of(403, "this operation needs one of the roles " + Arrays.toString(roles.value())
                    + "; the caller is " + caller.role(), requestId).response().build());
            return;
        }
        String denied = tenantDenied(caller, request.getUriInfo().getPathParameters().get(TENANT_PARAM));
        if (denied == null) {
            denied = tenantDenied(caller, request.getUriInfo().getQueryParameters().get(TENANT_PARAM));
        }
        if (denied != null) {
            request.abortWith(Problem.of(denied.startsWith("invalid") ? 400 : 403, denied, requestId).response().build());
            return;
        }
        TenantId tenant = accounted(caller, named(request));
        int retryAfter = tenant == null || admission == null ? 0 : admission.admit(tenant, "/" + segment);
        if (retryAfter > 0) {
            request.abortWith(Problem.of(429, "tenant " + tenant + " is over its REST limit; retry in " + retryAfter + " s", requestId)
                    .response().header(HttpHeaders.RETRY_AFTER, Integer.toString(retryAfter)).build());
            return;
        }
        boolean secure = request.getSecurityContext() != null && request.getSecurityContext().isSecure();
        request.setSecurityContext(new CallerContext(caller, secure));
    }

    /** Reports a direct endpoint's request for the tenant and applies its REST limit: 0 admitted, else seconds to retry after. */
    int admit(TenantId tenant, String directPath) {
        return admission == null ? 0 : admission.admit(tenant, directPath);
    }

    /** The tenant a platform call is made for: the {@code tenant} path or query parameter, if one. */
    private static TenantId named(ContainerRequestContext request) {
        String v = request.getUriInfo().getPathParameters().getFirst(TENANT_PARAM);
        if (v == null) {
            v = request.getUriInfo().getQueryParameters().getFirst(TENANT_PARAM);
        }
        return v == null ? null : TenantId.of(v); // validated above
    }

    /** The client's address, for the login throttle (behind a load balancer: the balancer's, unless it passes it on). */
    private String source() {
        return servletRequest == null ? "unknown" : servletRequest.getRemoteAddr();
    }

    /** Empty for no or wrong credentials; ProblemException 429 while the address is locked out of this account. */
    Optional<Caller> authenticate(String authorization, String source) {
        if (authorization == null) {
            return Optional.empty();
        }
        if (authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return tokens.authenticate(authorization.substring(7).trim());
        }
        if (authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                return Optional.empty();
            }
            // a user of the realm who is not an operator gets the same answer as a wrong password: nothing tells a
            // guesser that the password was right
            return operators.login(decoded.substring(0, colon), decoded.substring(colon + 1), source)
                    .filter(OperatorLogin.Result::authorised).map(OperatorLogin.Result::caller);
        }
        return Optional.empty();
    }

    /** Why the caller may not name these tenants, or null when it may. */
    static String tenantDenied(Caller caller, List<String> values) {
        if (values == null) {
            return null;
        }
        for (String value : values) {
            Confined c = confine(caller, value);
            if (c.refused()) {
                return c.detail();
            }
        }
        return null;
    }

    /** The outcome of confining a caller to a tenant it names: the tenant, or the status and detail of a refusal. */
    record Confined(TenantId tenant, int status, String detail) {
        boolean refused() {
            return detail != null;
        }
    }

    /**
     * The tenant rule of every endpoint: an invalid id is a 400, a tenant token may name only its own tenant (403
     * otherwise); operators and platform tokens reach every tenant.
     */
    static Confined confine(Caller caller, String value) {
        TenantId tenant;
        try {
            tenant = TenantId.of(value);
        } catch (InvalidTenantIdException e) {
            return new Confined(null, 400, e.getMessage());
        }
        if (!caller.canAccess(tenant)) {
            return new Confined(null, 403, "a token of tenant " + caller.tenant() + " cannot access tenant " + tenant);
        }
        return new Confined(tenant, 200, null);
    }

    /** The tenant a request counts for in the load ledger and REST limits: none for an operator, else the token's or the named one. */
    static TenantId accounted(Caller caller, TenantId named) {
        // an operator's call is not the tenant's workload, and must get through to lift a limit
        return Caller.OPERATOR.equals(caller.role()) ? null : caller.tenantScope().orElse(named);
    }

    private record CallerContext(Caller caller, boolean secure) implements SecurityContext {
        @Override
        public Principal getUserPrincipal() {
            return caller;
        }

        @Override
        public boolean isUserInRole(String role) {
            return caller.role().equals(role);
        }

        @Override
        public boolean isSecure() {
            return secure;
        }

        @Override
        public String getAuthenticationScheme() {
            return Caller.OPERATOR.equals(caller.role()) ? BASIC_AUTH : "Bearer";
        }
    }
}
