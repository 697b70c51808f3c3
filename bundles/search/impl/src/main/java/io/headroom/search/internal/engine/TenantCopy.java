package io.headroom.search.internal.engine;

import io.headroom.core.api.TenantId;
import io.headroom.search.internal.core.Layout;
import io.headroom.search.internal.core.Throttle;
import io.headroom.search.internal.store.SearchStore;
import io.headroom.search.internal.store.SearchStore.MigrationRow;
import io.headroom.search.internal.store.SearchStore.TenantRow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies one tenant's documents from the source layout to the target, from its saved cursor on: pages in id order on a
 * point in time, each written with its source version through {@link GuardedCopy}, the cursor saved after each batch
 * so a restart (on any node) resumes there. The next page is read while the current batch is being written, and the
 * sources go from the page to the bulk request as bytes, never parsed.
 */
public final class TenantCopy {
    private static final Logger LOG = LoggerFactory.getLogger(TenantCopy.class);

    private final SearchStore store;
    private final Elastic es;
    private final GuardedCopy guard;
    private final Throttle throttle;
    private final Executor reader;
    private final int batch;

    /** @param throttle shared by every copier of the node (paces them together); @param reader reads the next pages */
    public TenantCopy(SearchStore store, Elastic es, Throttle throttle, Executor reader, int batch) {
        this.store = store;
        this.es = es;
        this.guard = new GuardedCopy(store, es);
        this.throttle = throttle;
        this.reader = reader;
        this.batch = batch;
    }

    /**
     * True once the tenant is copied; false when {@code halted} turned true (the node stops, or the lease is lost) or
     * Elasticsearch failed (the tenant's row says why; the next pass resumes from the saved cursor).
     */
    public boolean copy(MigrationRow m, TenantRow row, Layout source, Layout target, BooleanSupplier halted) throws SQLException {
        TenantId t = row.tenant();
        String cursor = row.cursor();
        long copied = row.copied();
        String pit = null;
        try {
            pit = es.openPit(source.indexFor(t));
            store.backfillProgress(m.id(), t, "COPYING", cursor, copied, null);
            CompletableFuture<List<Elastic.RawDoc>> next = read(pit, t, cursor);
            while (!halted.getAsBoolean()) {
                long wait;
                synchronized (throttle) {
                    wait = throttle.acquire(batch);
                }
                if (wait > 0) {
                    Thread.sleep(wait);
                }
                List<Elastic.RawDoc> docs = await(next);
                if (docs.isEmpty()) {
                    store.backfillProgress(m.id(), t, "COPIED", cursor, copied, null);
                    return true;
                }
                String last = docs.get(docs.size() - 1).id();
                // a short page is the last one on a point in time: no need to ask for the empty page after it
                next = docs.size() < batch ? CompletableFuture.completedFuture(List.of()) : read(pit, t, last);
                List<Elastic.Write> writes = new ArrayList<>(docs.size());
                for (Elastic.RawDoc d : docs) {
                    writes.add(Elastic.Write.raw(target.indexFor(t), t, d.id(), d.version(), d.source()));
                }
                List<Elastic.WriteOutcome> outcomes = guard.copy(m.collection(), t, writes);
                for (int i = 0; i < outcomes.size(); i++) {
                    Elastic.WriteOutcome o = outcomes.get(i);
                    if (o.outcome() == Elastic.Outcome.RETRY) {
                        throw new IOException("bulk item failed: " + o.error());
                    }
                    if (o.outcome() == Elastic.Outcome.REJECTED) {
                        Elastic.Write w = writes.get(i);
                        store.outbox(m.collection(), target.number(), t, w.id(), w.version(), Elastic.fieldsJson(w.source()),
                                "refused by the target: " + o.error());
                    }
                }
                cursor = last;
                copied += writes.size();
                store.backfillProgress(m.id(), t, "COPYING", cursor, copied, null);
            }
            return false;
        } catch (IOException | RuntimeException e) {
            store.backfillProgress(m.id(), t, "COPYING", cursor, copied, "paused: " + e);
            LOG.info("search: backfill of {} in migration {} paused at {}: {}", t, m.id(), cursor, e.toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            if (pit != null) {
                es.closePit(pit);
            }
        }
    }

    private CompletableFuture<List<Elastic.RawDoc>> read(String pit, TenantId t, String after) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return es.page(pit, t, after, batch);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, reader);
    }

    private static List<Elastic.RawDoc> await(CompletableFuture<List<Elastic.RawDoc>> page) throws IOException, InterruptedException {
        try {
            return page.get();
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause() instanceof CompletionException ce && ce.getCause() != null ? ce.getCause() : e.getCause();
            if (c instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException(c);
        }
    }
}
