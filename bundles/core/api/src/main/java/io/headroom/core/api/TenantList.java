package io.headroom.core.api;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Tenants written as one comma-separated value, as operators type them in shell options ({@code --tenants acme,globex})
 * and query parameters: parsing, and the completions of such a value while it is being typed.
 */
public final class TenantList {
    private TenantList() {
    }

    /**
     * The tenants of comma-separated values, in order, without repeats; blanks are skipped.
     *
     * @throws InvalidTenantIdException naming the first invalid one
     */
    public static Set<TenantId> parse(Collection<String> values) {
        Set<TenantId> out = new LinkedHashSet<>();
        if (values != null) {
            for (String v : values) {
                if (v == null) {
                    continue;
                }
                for (String part : v.split(",")) {
                    if (!part.isBlank()) {
                        out.add(TenantId.of(part.trim()));
                    }
                }
            }
        }
        return out;
    }

    /** {@link #parse(Collection)} of one value (null: none). */
    public static Set<TenantId> parse(String value) {
        return parse(value == null ? List.of() : List.of(value));
    }

    /**
     * What a shell completer offers for a value being typed: each known tenant not listed yet, after the tenants already
     * typed ({@code "acme,gl"} with {@code globex} known gives {@code "acme,globex"}). With no comma typed, the known tenants.
     */
    public static List<String> completions(String typed, Collection<String> known) {
        String t = typed == null ? "" : typed;
        int comma = t.lastIndexOf(',');
        String before = t.substring(0, comma + 1);
        Set<String> listed = Set.of(before.split(","));
        List<String> out = new ArrayList<>();
        for (String k : known) {
            if (!listed.contains(k)) {
                out.add(before + k);
            }
        }
        return out;
    }
}
