package io.headroom.search.internal.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/** Ids whose version differs between two sides (missing on one side counts), in id order. */
public final class VersionDiff {
    private VersionDiff() {
    }

    public static List<String> differing(Map<String, Long> source, Map<String, Long> target) {
        TreeSet<String> ids = new TreeSet<>(source.keySet());
        ids.addAll(target.keySet());
        List<String> out = new ArrayList<>();
        for (String id : ids) {
            if (!Objects.equals(source.get(id), target.get(id))) {
                out.add(id);
            }
        }
        return out;
    }

    public static String hash(Map<String, Long> versions) {
        VersionHash h = new VersionHash();
        versions.forEach(h::add);
        return h.value();
    }
}
