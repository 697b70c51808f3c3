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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies one tenant's documents from the source layout to the target, from its saved cursor on: pages in id order on a
 * point in time, each written with its source version through {@link GuardedCopy}, the cursor saved after each batch
 * so a restart (on any node) resumes there. Only the bulk request and the tombstone check after it are on the copier's
 * path: the next page (with the deletes already recorded for its ids) is read while the current batch is written, the
 * cursor is saved in the background (in order; a save that lags only makes a restart copy a batch again, which
 * versions make harmless), and the sources go from the page to the bulk request as bytes, never parsed.
 */
public final class TenantCopy {
    private static final Logger LOG = LoggerFactory.getLogger(TenantCopy.class);

    private final SearchStore store;
    private final Elastic es;
    private final GuardedCopy guard;
    private final Throttle throttle;
    private final Executor reader;
    private final int batch;

    /** A page of the source and the deletes recorded for its ids when it was read. */
    private record Page(List<Elastic.RawDoc> docs, Map<String, Long> deleted) {
        static final Page END = new Page(List.of(), Map.of());
    }

    /**
     * @param throttle shared by every copier of the node (paces them together)
     * @param reader   reads the next pages and saves cursors (give it two threads per copier)
     */
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
        CompletableFuture<Void> saved = CompletableFuture.completedFuture(null);
        try {
            pit = es.openPit(source.indexFor(t));
            store.backfillProgress(m.id(), t, "COPYING", cursor, copied, null);
            CompletableFuture<Page> next = read(m.collection(), pit, t, cursor);
            while (!halted.getAsBoolean()) {
                long wait;
                synchronized (throttle) {
                    wait = throttle.acquire(batch);
                }
                if (wait > 0) {
                    Thread.sleep(wait);
                }
                Page page = await(next);
                List<Elastic.RawDoc> docs = page.docs();
                if (docs.isEmpty()) {
                    awaitSaved(saved);
                    store.backfillProgress(m.id(), t, "COPIED", cursor, copied, null);
                    return true;
                }
                String last = docs.get(docs.size() - 1).id();
                // a short page is the last one on a point in time: no need to ask for the empty page after it
                next = docs.size() < batch ? CompletableFuture.completedFuture(Page.END) : read(m.collection(), pit, t, last);
                List<Elastic.Write> writes = new ArrayList<>(docs.size());
                for (Elastic.RawDoc d : docs) {
                    writes.add(Elastic.Write.raw(target.indexFor(t), t, d.id(), d.version(), d.source()));
                }
                List<Elastic.WriteOutcome> outcomes = guard.copy(m.collection(), t, writes, page.deleted());
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
                String at = cursor;
                long n = copied;
                saved = saved.thenRunAsync(() -> {
                    try {
                        store.backfillProgress(m.id(), t, "COPYING", at, n, null);
                    } catch (SQLException e) {
                        LOG.debug("search: cursor of {} in migration {} not saved (the next save writes it): {}", t, m.id(), e.toString());
                    }
                }, reader);
            }
            awaitSaved(saved);
            return false;
        } catch (IOException | RuntimeException e) {
            awaitSaved(saved);
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

    private CompletableFuture<Page> read(String collection, String pit, TenantId t, String after) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                List<Elastic.RawDoc> docs = es.page(pit, t, after, batch);
                List<String> ids = new ArrayList<>(docs.size());
                docs.forEach(d -> ids.add(d.id()));
                return new Page(docs, store.tombstones(collection, t, ids));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (SQLException e) {
                throw new IllegalStateException("control schema: " + e.getMessage(), e);
            }
        }, reader);
    }

    private static void awaitSaved(CompletableFuture<Void> saved) {
        try {
            saved.join();
        } catch (CompletionException e) {
            // logged by the save; the cursor row lags, which only means copying a batch again
        }
    }

    private static Page await(CompletableFuture<Page> page) throws IOException, InterruptedException {
        try {
            return page.get();
        } catch (ExecutionException e) {
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
