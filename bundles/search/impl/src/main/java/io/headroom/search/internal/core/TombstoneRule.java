package io.headroom.search.internal.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Copies (a backfill batch, an outbox retry) never bring back a deleted document. Deletes are recorded in the control
 * schema before Elasticsearch sees them, with their version; Elasticsearch itself forgets a delete after
 * {@code index.gc_deletes}, so the record is what counts:
 * <ul>
 * <li>before a copy, a document whose version is at or below a recorded delete of the same id is not sent (deletes
 * themselves are always sent);</li>
 * <li>after the copy, a delete recorded meanwhile at or above a copied document's version is applied again, at the
 * delete's version, so a copy racing a delete still ends deleted.</li>
 * </ul>
 */
public final class TombstoneRule {
    private TombstoneRule() {
    }

    /** One write of a copy: {@code document} false means a delete. */
    public record Copy(String id, long version, boolean document) {
    }

    /** A delete to apply again after the copy: the copy's position and the recorded delete's version. */
    public record Redelete(int index, String id, long version) {
    }

    /** Whether a copy of {@code version} may be sent, given the delete recorded for its id (null: none). */
    public static boolean send(Copy c, Long deletedVersion) {
        return !c.document() || deletedVersion == null || deletedVersion < c.version();
    }

    /** The positions of {@code copies} that may be sent, in order. */
    public static List<Integer> toSend(List<Copy> copies, Map<String, Long> deletedBefore) {
        List<Integer> out = new ArrayList<>(copies.size());
        for (int i = 0; i < copies.size(); i++) {
            if (send(copies.get(i), deletedBefore.get(copies.get(i).id()))) {
                out.add(i);
            }
        }
        return out;
    }

    /** The deletes to apply again among the documents that were sent, given the deletes recorded after the copy. */
    public static List<Redelete> redeletes(List<Copy> copies, List<Integer> sent, Map<String, Long> deletedAfter) {
        List<Redelete> out = new ArrayList<>();
        for (int i : sent) {
            Copy c = copies.get(i);
            Long deleted = deletedAfter.get(c.id());
            if (c.document() && deleted != null && deleted >= c.version()) {
                out.add(new Redelete(i, c.id(), deleted));
            }
        }
        return out;
    }
}
