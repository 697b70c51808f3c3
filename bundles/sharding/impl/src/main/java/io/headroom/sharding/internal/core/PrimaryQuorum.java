package io.headroom.sharding.internal.core;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Whether a shard's primary is unreachable from enough of the fleet for an automatic failover, not only from the node
 * that watches: every node records its own view of each watched primary in the control schema (answered or not, and how
 * long ago), and the watcher, once its own probes say the primary is dead ({@link FailoverWatch}), fails it over only
 * when a strict majority of the live nodes, itself included, saw that same primary fail within {@code freshMillis}. A
 * node with no fresh view of it (it has not probed it yet, or saw another primary) does not count as a vote for the
 * failover; a node that reached it counts against. A fleet of one live node decides alone (there is no second view).
 * A watcher cut off from a primary the others still reach therefore waits instead of failing over a healthy primary.
 * Plain data, no I/O.
 */
public final class PrimaryQuorum {
    /** One node's last view of a shard's primary, as recorded in the control schema. */
    public record View(String node, String url, boolean answered, long ageMillis) {
    }

    /** The decision with its counts, for the log and the operator. */
    public record Verdict(boolean confirmed, int down, int needed, int live, List<String> reachedBy) {
        public String describe() {
            return down + " of " + live + " live node(s) saw the primary fail (" + needed + " needed)"
                    + (reachedBy.isEmpty() ? "" : "; reached by " + String.join(", ", reachedBy));
        }
    }

    private PrimaryQuorum() {
    }

    /**
     * @param url         the primary the watcher found dead
     * @param self        the watcher's node id (its own probes already say the primary is dead)
     * @param liveNodes   the nodes heard from recently (the watcher counts as live even when missing)
     * @param views       the nodes' recorded views of the shard's primary (the watcher's own is ignored)
     * @param freshMillis how old a view may be to count
     */
    public static Verdict decide(String url, String self, Collection<String> liveNodes, Collection<View> views, long freshMillis) {
        Set<String> voters = new TreeSet<>(liveNodes);
        voters.add(self);
        int down = 1; // the watcher itself
        Set<String> counted = new TreeSet<>();
        counted.add(self);
        List<String> reached = new java.util.ArrayList<>();
        for (View v : views) {
            if (!voters.contains(v.node()) || !v.url().equals(url) || v.ageMillis() > freshMillis || v.ageMillis() < 0
                    || !counted.add(v.node())) {
                continue;
            }
            if (v.answered()) {
                reached.add(v.node());
            } else {
                down++;
            }
        }
        int needed = voters.size() / 2 + 1;
        return new Verdict(down >= needed, down, needed, voters.size(), List.copyOf(new TreeSet<>(reached)));
    }
}
