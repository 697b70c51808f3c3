package io.headroom.core.internal.auth;

import io.headroom.core.api.rest.Caller;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Principal;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.security.auth.Subject;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.LoginContext;
import javax.security.auth.login.LoginException;

/**
 * Operator authentication against a Karaf JAAS realm. A successful login is remembered for a short time (by a
 * hash of the credentials, never the password) so that an operator's script does not run the login modules on
 * every request.
 */
public final class OperatorLogin {
    /** What a login told us: who, and whether the user holds the operator role. */
    public record Result(Caller caller, boolean authorised) {
    }

    private record Cached(Result result, long until) {
    }

    private final String realm;
    private final String requiredRole;
    private final long cacheMillis;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    public OperatorLogin(String realm, String requiredRole, long cacheMillis) {
        this.realm = realm;
        this.requiredRole = requiredRole;
        this.cacheMillis = cacheMillis;
    }

    /** Empty when the realm rejects the credentials. */
    public Optional<Result> login(String user, String password) {
        String key = key(user, password);
        long now = System.currentTimeMillis();
        Cached hit = cache.get(key);
        if (hit != null && hit.until > now) {
            return Optional.of(hit.result);
        }
        Subject subject = new Subject();
        try {
            LoginContext lc = new LoginContext(realm, subject, callbacks -> {
                for (var cb : callbacks) {
                    if (cb instanceof NameCallback n) {
                        n.setName(user);
                    } else if (cb instanceof PasswordCallback p) {
                        p.setPassword(password.toCharArray());
                    } else {
                        throw new UnsupportedCallbackException(cb);
                    }
                }
            });
            lc.login();
            boolean authorised = false;
            for (Principal p : subject.getPrincipals()) {
                // Karaf's RolePrincipal; matched by name so this bundle needs no Karaf JAAS import
                if (p.getClass().getSimpleName().equals("RolePrincipal") && requiredRole.equals(p.getName())) {
                    authorised = true;
                }
            }
            lc.logout();
            Result result = new Result(new Caller(user, Caller.OPERATOR, null), authorised);
            if (cache.size() > 1000) {
                cache.clear();
            }
            cache.put(key, new Cached(result, now + cacheMillis));
            return Optional.of(result);
        } catch (LoginException e) {
            cache.remove(key);
            return Optional.empty();
        }
    }

    private static String key(String user, String password) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest((user + '\0' + password).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
