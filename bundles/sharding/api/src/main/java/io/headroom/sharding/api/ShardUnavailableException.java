package io.headroom.sharding.api;

/**
 * The tenant's shard cannot serve right now: its server is down (the circuit is open and calls fail fast), the
 * tenant is fenced for a cut-over, or it is over its share of the shard's connections. Nothing was done; retry later.
 */
public class ShardUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String shard;

    public ShardUnavailableException(String shard, String message, Throwable cause) {
        super(message, cause);
        this.shard = shard;
    }

    public String shard() {
        return shard;
    }
}
