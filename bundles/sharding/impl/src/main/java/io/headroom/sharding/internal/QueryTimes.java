package io.headroom.sharding.internal;

import io.headroom.core.api.metrics.Histogram;

/**
 * Where the statement latencies on the shards' primaries go: the shard meters' histogram (seconds, labelled by shard),
 * or nowhere while the meters are not there; read back for the p50 and p99 that {@code shard:list} and the console show.
 */
final class QueryTimes {
    private volatile Histogram histogram;

    /** Records into {@code h} from now on ({@code null}: nowhere). */
    void recordInto(Histogram h) {
        this.histogram = h;
    }

    /** One statement's latency on the shard's primary. */
    void record(String shard, long micros) {
        Histogram h = histogram;
        if (h != null) {
            h.observe(micros / 1_000_000.0, shard);
        }
    }

    /** The {@code q}-quantile of the latencies recorded on the shard, in ms; null when there are none. */
    Double millis(String shard, double q) {
        Histogram h = histogram;
        double seconds = h == null ? Double.NaN : h.quantile(q, shard);
        return Double.isNaN(seconds) ? null : seconds * 1000;
    }

    /** A shard removed from the topology takes its series with it. */
    void forget(String shard) {
        Histogram h = histogram;
        if (h != null) {
            h.forget("shard", shard);
        }
    }
}
