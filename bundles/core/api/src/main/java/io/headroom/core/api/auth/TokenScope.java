package io.headroom.core.api.auth;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What a token may do beyond its tenant: everything ({@link #ALL}), only read ({@code GET}/{@code HEAD}), and/or only
 * the paths of some capabilities (the first segment below {@code /api}, e.g. {@code llm}; health and the OpenAPI
 * description are always reachable). A token can only create tokens its own scope {@link #covers covers}.
 */
public record TokenScope(boolean readOnly, Set<String> capabilities) {
    public static final TokenScope ALL = new TokenScope(false, Set.of());
    private static final Pattern SEGMENT = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    private static final Set<String> ALWAYS = Set.of("health", "openapi.json");

    public TokenScope {
        capabilities = capabilities == null ? Set.of() : Set.copyOf(capabilities);
        for (String c : capabilities) {
            if (!SEGMENT.matcher(c).matches()) {
                throw new IllegalArgumentException("capability '" + c + "' is not a path segment like llm or queue");
            }
        }
    }

    public boolean restricted() {
        return readOnly || !capabilities.isEmpty();
    }

    /** Whether a request with this method to this first path segment is within the scope. */
    public boolean allows(String method, String segment) {
        String m = method.toUpperCase(Locale.ROOT);
        if (readOnly && !(m.equals("GET") || m.equals("HEAD") || m.equals("OPTIONS"))) {
            return false;
        }
        return capabilities.isEmpty() || ALWAYS.contains(segment) || capabilities.contains(segment);
    }

    /** Whether a token of scope {@code other} can do nothing this scope cannot. */
    public boolean covers(TokenScope other) {
        return (!readOnly || other.readOnly) && (capabilities.isEmpty()
                || (!other.capabilities.isEmpty() && capabilities.containsAll(other.capabilities)));
    }

    /** Stored form: {@code read} and/or {@code capabilities=a,b}, space-separated; empty for {@link #ALL}. */
    public String text() {
        StringBuilder b = new StringBuilder(readOnly ? "read" : "");
        if (!capabilities.isEmpty()) {
            b.append(b.length() == 0 ? "" : " ").append("capabilities=").append(String.join(",", new TreeSet<>(capabilities)));
        }
        return b.toString();
    }

    public static TokenScope parse(String text) {
        if (text == null || text.isBlank()) {
            return ALL;
        }
        boolean read = false;
        Set<String> caps = new TreeSet<>();
        for (String part : text.trim().split("\\s+")) {
            if (part.equals("read")) {
                read = true;
            } else if (part.startsWith("capabilities=")) {
                for (String c : part.substring("capabilities=".length()).split(",")) {
                    if (!c.isEmpty()) {
                        caps.add(c);
                    }
                }
            } else {
                throw new IllegalArgumentException("unknown token scope '" + part + "'");
            }
        }
        return new TokenScope(read, caps);
    }
}
