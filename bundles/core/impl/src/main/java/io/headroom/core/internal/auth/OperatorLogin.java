package io.headroom.core.internal.auth;

import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.ProblemException;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operator authentication against a Karaf JAAS realm. A successful login is remembered for a short time (by a
 * hash of the credentials, never the password) so that an operator's script does not run the login modules on
 * every request.
 */
public final class OperatorLogin {
    private static final Logger LOG = LoggerFactory.getLogger(OperatorLogin.class);
    /** What a login told us: who, and whether the user holds the operator role. */
    public record Result(Caller caller, boolean authorised) {
    }

    private record Cached(Result result, long until) {
    }

    private final String realm;
    private final String requiredRole;
    private final long cacheMillis;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final LoginThrottle throttle;

    public OperatorLogin(String realm, String requiredRole, long cacheMillis, LoginThrottle throttle) {
        this.realm = realm;
        this.requiredRole = requiredRole;
        this.cacheMillis = cacheMillis;
        this.throttle = throttle;
    }

    /**
     * Empty when the realm rejects the credentials. A source that failed too often for this account (or for many
     * accounts) is refused before the realm is asked: {@link ProblemException} 429 with the seconds to wait.
     */
    public Optional<Result> login(String user, String password, String source) {
        long locked = throttle.lockedMillis(source, user);
        if (locked > 0) {
            throw ProblemException.tooManyRequests("too many failed logins from this address; retry later",
                    (int) Math.max(1, (locked + 999) / 1000));
        }
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
            throttle.succeeded(source, user);
            if (cache.size() > 1000) {
                cache.clear();
            }
            cache.put(key, new Cached(result, now + cacheMillis));
            return Optional.of(result);
        } catch (LoginException e) {
            cache.remove(key);
            long lock = throttle.failed(source, user);
            if (lock > 0) {
                LOG.warn("failed operator login for '{}' from {}: further attempts refused for {} ms", printable(user), source, lock);
            } else {
                LOG.info("failed operator login for '{}' from {}", printable(user), source);
            }
            return Optional.empty();
        }
    }

    /** A user name as sent, safe for one log line. */
    private static String printable(String user) {
        String s = user.length() > 64 ? user.substring(0, 64) + "..." : user;
        return s.replaceAll("[^\\x20-\\x7e]", "?");
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
