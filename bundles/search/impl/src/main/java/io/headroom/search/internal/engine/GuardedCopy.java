package io.headroom.search.internal.engine;

import io.headroom.core.api.TenantId;
import io.headroom.search.internal.core.TombstoneRule;
import io.headroom.search.internal.store.SearchStore;
import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** Copies writes into a layout under the {@link TombstoneRule}: a deleted document never comes back. */
public final class GuardedCopy {
    private final SearchStore store;
    private final Elastic es;

    public GuardedCopy(SearchStore store, Elastic es) {
        this.store = store;
        this.es = es;
    }

    /** The outcome of each write, in order; a write skipped for a recorded delete counts as applied. */
    public List<Elastic.WriteOutcome> copy(String collection, TenantId tenant, List<Elastic.Write> writes) throws IOException, SQLException {
        List<String> ids = new ArrayList<>(writes.size());
        for (Elastic.Write w : writes) {
            ids.add(w.id());
        }
        return copy(collection, tenant, writes, store.tombstones(collection, tenant, ids));
    }

    /**
     * The same, given the deletes recorded for the writes' ids a moment ago (read with the page): a delete recorded
     * since is caught by the check after the bulk request, as one recorded while it is in flight.
     */
    public List<Elastic.WriteOutcome> copy(String collection, TenantId tenant, List<Elastic.Write> writes, Map<String, Long> deletedBefore)
            throws IOException, SQLException {
        List<TombstoneRule.Copy> copies = new ArrayList<>(writes.size());
        for (Elastic.Write w : writes) {
            copies.add(new TombstoneRule.Copy(w.id(), w.version(), !w.delete()));
        }
        List<Integer> sent = TombstoneRule.toSend(copies, deletedBefore);
        List<Elastic.WriteOutcome> out = new ArrayList<>(Collections.nCopies(writes.size(), new Elastic.WriteOutcome(Elastic.Outcome.APPLIED, null)));
        if (sent.isEmpty()) {
            return out;
        }
        List<Elastic.Write> send = new ArrayList<>(sent.size());
        List<String> sentDocs = new ArrayList<>(sent.size());
        for (int i : sent) {
            Elastic.Write w = writes.get(i);
            send.add(w);
            if (!w.delete()) {
                sentDocs.add(w.id());
            }
        }
        List<Elastic.WriteOutcome> res = es.bulk(send, false);
        for (int k = 0; k < res.size(); k++) {
            out.set(sent.get(k), res.get(k));
        }
        Map<String, Long> after = store.tombstones(collection, tenant, sentDocs);
        if (after.isEmpty()) {
            return out;
        }
        List<Elastic.Write> redelete = new ArrayList<>();
        for (TombstoneRule.Redelete r : TombstoneRule.redeletes(copies, sent, after)) {
            redelete.add(new Elastic.Write(writes.get(r.index()).index(), tenant, r.id(), r.version(), null));
        }
        if (!redelete.isEmpty()) {
            for (Elastic.WriteOutcome o : es.bulk(redelete, false)) {
                if (o.outcome() == Elastic.Outcome.RETRY) {
                    throw new IOException("re-applying a delete failed: " + o.error());
                }
            }
        }
        return out;
    }
}
