package io.headroom.search.internal.engine;

import io.headroom.core.api.TenantId;
import io.headroom.search.internal.core.Layout;
import io.headroom.search.internal.core.Schema;
import io.headroom.search.internal.core.VersionDiff;
import io.headroom.search.internal.store.SearchStore.Verdict;
import io.headroom.search.internal.store.SearchStore.TenantRow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Compares one tenant on both layouts: every (id, version) on both sides (scanned at once, the
 * target on another thread), then a sample of documents in full. Writes keep arriving on both sides meanwhile, so a
 * difference must persist over up to five rounds to count: the differing ids read again by id, both sides at once (or, when
 * many differ, both layouts refreshed and scanned again). Sampled queries then run on both layouts; their results may differ
 * only by documents written since the scan.
 */
public final class TenantValidation {
    /** Queries compared per tenant (besides the match-all one). */
    static final int QUERY_SAMPLES = 6;
    /** At most this many differing ids are read again by id; more are scanned again. */
    static final int REREAD_IDS = 1000;
    private final Elastic es;
    private final Executor scanner;
    private final int samples;

    public TenantValidation(Elastic es, Executor scanner, int samples) {
        this.es = es;
        this.scanner = scanner;
        this.samples = samples;
    }

    /**
     * The tenant's verdict (the caller records it).
     *
     * @param pending   the tenant's writes waiting in the outbox, counted before the scans
     * @param refreshed whether both layouts were refreshed just before (the first round then needs no refresh of its own)
     */
    public Verdict validate(TenantRow row, Layout source, Layout target, long pending, boolean refreshed) {
        return validate(row, source, target, null, null, pending, refreshed);
    }

    /**
     * The tenant's verdict, comparing also the results of sampled queries (totals and top hits) when both layouts
     * declare schemas: queries built from sampled documents' values on the fields both declare alike.
     */
    public Verdict validate(TenantRow row, Layout source, Layout target, Schema sourceSchema, Schema targetSchema, long pending,
            boolean refreshed) {
        TenantId t = row.tenant();
        if (!"COPIED".equals(row.backfill())) {
            return new Verdict(t, "FAILED", 0, 0, null, null, "backfill not finished (" + row.backfill() + ")");
        }
        try {
            if (pending > 0) {
                return new Verdict(t, "FAILED", 0, 0, null, null, pending + " writes still in the outbox; validate again when they are applied");
            }
            String src = source.indexFor(t);
            String dst = target.indexFor(t);
            Map<String, Long> a = new HashMap<>();
            Map<String, Long> b = new HashMap<>();
            if (!refreshed) {
                es.refresh(List.of(src, dst));
            }
            scanBoth(src, dst, t, a, b);
            List<String> differing = VersionDiff.differing(a, b);
            // writes keep landing on both layouts while the scans run, so a handful of ids differ by a write in flight: those
            // are read again by id (real time, both sides at once) until they agree; many differing ids are scanned again
            for (int round = 1; round <= 5 && !differing.isEmpty(); round++) {
                Thread.sleep(200L * round);
                if (differing.size() > REREAD_IDS) {
                    es.refresh(List.of(src, dst));
                    a.clear();
                    b.clear();
                    scanBoth(src, dst, t, a, b);
                    differing = VersionDiff.differing(a, b);
                    continue;
                }
                Map<String, Elastic.Doc>[] now = getBoth(src, dst, t, differing);
                for (String id : differing) {
                    put(a, id, now[0].get(id));
                    put(b, id, now[1].get(id));
                }
                differing = VersionDiff.differing(a, b);
            }
            String ha = VersionDiff.hash(a);
            String hb = VersionDiff.hash(b);
            if (!differing.isEmpty()) {
                return new Verdict(t, "FAILED", a.size(), b.size(), ha, hb, differing.size() + " ids differ in (id, version), e.g. "
                        + differing.subList(0, Math.min(5, differing.size())));
            }
            List<String> ids = new ArrayList<>(a.keySet());
            Collections.sort(ids);
            Collections.shuffle(ids, ThreadLocalRandom.current());
            List<String> sample = ids.subList(0, Math.min(samples, ids.size()));
            Map<String, Elastic.Doc>[] docs = getBoth(src, dst, t, sample);
            Map<String, Elastic.Doc> sa = docs[0];
            Map<String, Elastic.Doc> sb = docs[1];
            List<String> bad = new ArrayList<>();
            for (String id : sample) {
                Elastic.Doc x = sa.get(id);
                Elastic.Doc y = sb.get(id);
                // a document rewritten between the two gets shows as a version change, not a content mismatch
                if (x != null && y != null && x.version() == y.version() && !x.source().equals(y.source())) {
                    bad.add(id);
                }
            }
            if (!bad.isEmpty()) {
                return new Verdict(t, "FAILED", a.size(), b.size(), ha, hb, "documents differ in content: " + bad);
            }
            String queries = "";
            if (sourceSchema != null && targetSchema != null) {
                List<String> probes = QueryProbes.build(sourceSchema, targetSchema, new ArrayList<>(sa.values()), QUERY_SAMPLES);
                List<String> differ = List.of();
                for (int round = 0; round < 5; round++) {
                    if (round > 0) {
                        es.refresh(List.of(src, dst));
                        Thread.sleep(200L * round);
                    }
                    differ = QueryProbes.compare(es, t, src, dst, sourceSchema, targetSchema, probes, a);
                    if (differ.isEmpty()) {
                        break;
                    }
                }
                if (!differ.isEmpty()) {
                    return new Verdict(t, "FAILED", a.size(), b.size(), ha, hb, "query results differ: " + String.join("; ", differ));
                }
                queries = ", " + probes.size() + " queries compared";
            }
            return new Verdict(t, "PASSED", a.size(), b.size(), ha, hb, sample.size() + " documents compared in full" + queries);
        } catch (IOException | RuntimeException e) {
            return new Verdict(t, "FAILED", 0, 0, null, null, "could not compare: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Verdict(t, "FAILED", 0, 0, null, null, "interrupted");
        }
    }

    private static void put(Map<String, Long> versions, String id, Elastic.Doc doc) {
        if (doc == null) {
            versions.remove(id);
        } else {
            versions.put(id, doc.version());
        }
    }

    /** Both sides' documents by id at once: the target's read on a pool thread while this one reads the source. */
    @SuppressWarnings("unchecked")
    private Map<String, Elastic.Doc>[] getBoth(String src, String dst, TenantId t, List<String> ids) throws IOException {
        CompletableFuture<Map<String, Elastic.Doc>> target = CompletableFuture.supplyAsync(() -> {
            try {
                return es.get(dst, t, ids);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, scanner);
        Map<String, Elastic.Doc> source = es.get(src, t, ids);
        return new Map[] {source, join(target)};
    }

    private static <T> T join(CompletableFuture<T> f) throws IOException {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            throw e;
        }
    }

    /** Both sides' (id, version) at once: the target is scanned on a pool thread while this one scans the source. */
    private void scanBoth(String src, String dst, TenantId t, Map<String, Long> a, Map<String, Long> b) throws IOException {
        CompletableFuture<Void> target = CompletableFuture.runAsync(() -> {
            try {
                es.scanVersions(dst, t, b::put);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, scanner);
        try {
            es.scanVersions(src, t, a::put);
        } finally {
            join(target);
        }
    }
}
