package io.headroom.sharding.api;

/** A statement was refused before reaching a shard: it could read or change another tenant's rows, or is not supported. */
public class UnsafeStatementException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public UnsafeStatementException(String message) {
        super(message);
    }
}
