package io.headroom.sharding.internal.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A MariaDB GTID position ({@code @@gtid_binlog_pos}, {@code @@gtid_current_pos}): the last transaction of each
 * replication domain, {@code domain-server-sequence} separated by commas. Within a domain sequence numbers only grow,
 * across servers too (a promoted replica continues from the sequence it applied), so one position covers another when
 * it is at least as far in every domain of the other.
 */
public record Gtid(Map<Long, Long> sequences, String text) {
    public Gtid {
        sequences = Map.copyOf(sequences);
    }

    public static final Gtid EMPTY = new Gtid(Map.of(), "");

    public static Gtid parse(String text) {
        Map<Long, Long> seq = new TreeMap<>();
        if (text == null || text.isBlank()) {
            return EMPTY;
        }
        for (String part : text.trim().split("\\s*,\\s*")) {
            String[] f = part.split("-");
            if (f.length != 3) {
                throw new IllegalArgumentException("not a GTID: " + part);
            }
            try {
                seq.merge(Long.parseLong(f[0]), Long.parseLong(f[2]), Math::max);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a GTID: " + part);
            }
        }
        return new Gtid(seq, text.trim());
    }

    /**
     * This position after the transaction {@code domain-server-sequence}, the next one read from a binary log: that
     * domain's entry becomes it (the server id is kept, as a server looks the GTID up in its binary log to resume).
     */
    public Gtid advance(long domain, long server, long sequence) {
        Map<Long, String> parts = new TreeMap<>();
        if (!text.isBlank()) {
            for (String part : text.split("\\s*,\\s*")) {
                parts.put(Long.parseLong(part.substring(0, part.indexOf('-'))), part);
            }
        }
        parts.put(domain, domain + "-" + server + "-" + sequence);
        Map<Long, Long> seq = new TreeMap<>(sequences);
        seq.put(domain, sequence);
        return new Gtid(seq, String.join(",", parts.values()));
    }

    /** Whether every transaction of {@code other} is within this position. */
    public boolean covers(Gtid other) {
        for (Map.Entry<Long, Long> e : other.sequences.entrySet()) {
            if (sequences.getOrDefault(e.getKey(), 0L) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Transactions of {@code other} beyond this position, summed over domains (0 when covered). */
    public long behind(Gtid other) {
        long n = 0;
        for (Map.Entry<Long, Long> e : other.sequences.entrySet()) {
            n += Math.max(0, e.getValue() - sequences.getOrDefault(e.getKey(), 0L));
        }
        return n;
    }

    /** The transactions {@code other} holds beyond this position, per domain ({@code domain:from-to}); empty when none. */
    public String gap(Gtid other) {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<Long, Long> e : new TreeMap<>(other.sequences).entrySet()) {
            long have = sequences.getOrDefault(e.getKey(), 0L);
            if (have < e.getValue()) {
                parts.add("domain " + e.getKey() + " sequence " + (have + 1) + (have + 1 == e.getValue() ? "" : "-" + e.getValue()));
            }
        }
        return String.join(", ", parts);
    }

    @Override
    public String toString() {
        return text;
    }
}
