package io.headroom.search.internal;

import io.headroom.search.internal.core.WritePlan;
import io.headroom.search.internal.engine.Elastic;
import io.headroom.search.internal.engine.GuardedCopy;
import io.headroom.search.internal.engine.Loop;
import io.headroom.search.internal.store.SearchStore;
import io.headroom.search.internal.store.SearchStore.LayoutRow;
import io.headroom.search.internal.store.SearchStore.OutboxRow;
import java.io.IOException;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Retries the writes a layout did not take, every 500 ms, oldest first, under the tombstone rule; backs off per entry
 * and keeps refused ones as dead (shown by status and the outbox listing). Any node may drain: versions make a
 * repeated write harmless.
 */
@Component(immediate = true)
public final class SearchOutboxDrain {
    private final SearchNode node;
    private final GuardedCopy guard;
    private final Loop loop;

    @Activate
    public SearchOutboxDrain(@Reference SearchNode node) {
        this.node = node;
        this.guard = new GuardedCopy(node.store(), node.es());
        this.loop = new Loop("search-outbox", 500, this::drain);
    }

    @Deactivate
    public void deactivate() {
        loop.close();
    }

    private void drain() {
        SearchStore store = node.store();
        List<OutboxRow> rows;
        try {
            rows = store.dueOutbox(200);
        } catch (SQLException e) {
            return;
        }
        SearchNode.Snapshot s = node.snapshot();
        try {
            for (OutboxRow r : rows) {
                LayoutRow l = s.layouts().getOrDefault(r.collection(), Map.of()).get(r.layout());
                if (!WritePlan.keepQueued(l == null ? null : l.state())) {
                    store.outboxDone(r.id());
                    continue;
                }
                Elastic.Write w = new Elastic.Write(l.layout().indexFor(r.tenant()), r.tenant(), r.docId(), r.version(),
                        r.body() == null ? null : Elastic.fromJson(r.body()));
                Elastic.WriteOutcome o;
                try {
                    o = guard.copy(r.collection(), r.tenant(), List.of(w)).get(0);
                } catch (IOException | SQLException | RuntimeException e) {
                    o = new Elastic.WriteOutcome(Elastic.Outcome.RETRY, e.toString());
                }
                switch (o.outcome()) {
                    case APPLIED -> store.outboxDone(r.id());
                    case RETRY -> store.outboxRetry(r.id(), r.attempts() + 1, WritePlan.retryDelayMillis(r.attempts()), o.error(), false);
                    case REJECTED -> store.outboxRetry(r.id(), r.attempts() + 1, 0, o.error(), true);
                    default -> throw new IllegalStateException();
                }
            }
        } catch (SQLException e) {
            // rows stay due and are tried again; versions make the repeat harmless
        }
    }
}
