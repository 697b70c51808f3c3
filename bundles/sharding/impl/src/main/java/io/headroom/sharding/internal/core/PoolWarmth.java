package io.headroom.sharding.internal.core;

/**
 * How many connections a node opens to a shard's new primary before its routing points there (a switchover or a
 * failover moved the primary): as many as this node had open to the old primary or ever ran at once on it, within the
 * pool's bounds, so the statements held for the cut-over are released onto open connections instead of each waiting
 * for one to be created. Never fewer than the pool's minimum idle, never more than its size. Plain arithmetic.
 */
public final class PoolWarmth {
    private PoolWarmth() {
    }

    /**
     * @param poolSize    the pool's maximum size
     * @param minIdle     the idle connections the pool keeps anyway
     * @param openBefore  connections the old pool had open (idle or in use) at the flip; 0 for a dead primary
     * @param peakInUse   the most statements that ran at once on the old pool on this node
     */
    public static int target(int poolSize, int minIdle, int openBefore, int peakInUse) {
        if (poolSize < 1) {
            throw new IllegalArgumentException("poolSize must be positive");
        }
        int wanted = Math.max(Math.max(0, minIdle), Math.max(openBefore, peakInUse));
        return Math.min(poolSize, wanted);
    }
}
