package io.headroom.search.internal.core;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Whether two layouts' complete results of one query agree on a tenant that is still being written. A validation scans
 * both layouts' (id, version) pairs first and queries afterwards, so a document written in between can match on one side
 * and not yet on the other (indexed or refreshed a moment later). Such documents are set aside: a document is settled
 * when every version seen of it (in either side's hits and, for a hit on one side only, read again on both) is the one
 * the scan verified. The settled documents must be the same on both sides, in the same order where the query orders them
 * the same on both (a filter sorted by id; full-text scores depend on each index's statistics).
 */
public final class ResultDiff {
    public record Hit(String id, long version) {
    }

    private ResultDiff() {
    }

    /** The ids found on one side only: those to read again on both sides before {@link #unexplained}. */
    public static List<String> oneSided(List<Hit> source, List<Hit> target) {
        Set<String> a = ids(source);
        Set<String> b = ids(target);
        TreeSet<String> out = new TreeSet<>(a);
        out.addAll(b);
        a.retainAll(b);
        out.removeAll(a);
        return new ArrayList<>(out);
    }

    /**
     * What differs between the settled documents of the two results; empty when they agree.
     *
     * @param verified  the versions both layouts agreed on at the scan
     * @param sourceNow the versions read again on the source of {@link #oneSided} ids (absent: no such document now)
     * @param targetNow the same on the target
     */
    public static String unexplained(List<Hit> source, List<Hit> target, boolean ordered, Map<String, Long> verified,
            Map<String, Long> sourceNow, Map<String, Long> targetNow) {
        Set<String> written = new TreeSet<>();
        for (List<Hit> side : List.of(source, target)) {
            for (Hit h : side) {
                if (!Objects.equals(verified.get(h.id()), h.version())) {
                    written.add(h.id());
                }
            }
        }
        for (String id : oneSided(source, target)) {
            Long v = verified.get(id);
            if (v == null || !v.equals(sourceNow.get(id)) || !v.equals(targetNow.get(id))) {
                written.add(id);
            }
        }
        List<String> a = settled(source, written);
        List<String> b = settled(target, written);
        if (ordered ? a.equals(b) : new TreeSet<>(a).equals(new TreeSet<>(b))) {
            return "";
        }
        Set<String> onlyA = new TreeSet<>(a);
        onlyA.removeAll(b);
        Set<String> onlyB = new TreeSet<>(b);
        onlyB.removeAll(a);
        if (onlyA.isEmpty() && onlyB.isEmpty()) {
            return "the same documents in another order";
        }
        return "documents unchanged since the scan matched only on the old layout " + first(onlyA) + ", only on the new " + first(onlyB);
    }

    private static List<String> settled(List<Hit> hits, Set<String> written) {
        return hits.stream().map(Hit::id).filter(id -> !written.contains(id)).toList();
    }

    private static Set<String> ids(List<Hit> hits) {
        Set<String> out = new LinkedHashSet<>();
        hits.forEach(h -> out.add(h.id()));
        return out;
    }

    private static List<String> first(Set<String> ids) {
        return ids.stream().limit(5).toList();
    }
}
