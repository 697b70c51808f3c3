package io.headroom.sharding.api;

/** The tenant already holds its share of the shard's connections; nothing was done. Retry shortly. */
public class TenantOverLimitException extends ShardUnavailableException {
    private static final long serialVersionUID = 1L;

    public TenantOverLimitException(String shard, String message) {
        super(shard, message, null);
    }
}
