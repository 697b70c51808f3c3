package io.headroom.sharding.api;

/**
 * The tenant is fenced for the cut-over of a move or split: nothing was done, and the statement can run in a moment
 * (a caller may hold it and retry, as the Data API does up to its {@code fenceHoldMillis}).
 */
public class TenantFencedException extends ShardUnavailableException {
    private static final long serialVersionUID = 1L;

    public TenantFencedException(String shard, String message) {
        super(shard, message, null);
    }
}
