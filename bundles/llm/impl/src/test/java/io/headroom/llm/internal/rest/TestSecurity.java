package io.headroom.llm.internal.rest;

import io.headroom.core.api.rest.Caller;
import java.security.Principal;
import javax.ws.rs.core.SecurityContext;

/** The security context the REST host gives a resource for a caller, for tests that call resources directly. */
public final class TestSecurity {
    private TestSecurity() {
    }

    public static SecurityContext of(Caller caller) {
        return new SecurityContext() {
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
                return false;
            }

            @Override
            public String getAuthenticationScheme() {
                return "Bearer";
            }
        };
    }
}
