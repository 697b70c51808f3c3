package io.headroom.sharding.api;

/** A statement returned more rows than the caller's limit, or ran past its timeout and was cancelled: nothing kept. */
public class ResultLimitException extends ShardQueryException {
    private static final long serialVersionUID = 1L;

    public ResultLimitException(String message) {
        super(message, null, null);
    }
}
