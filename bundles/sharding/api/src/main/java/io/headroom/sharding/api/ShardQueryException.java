package io.headroom.sharding.api;

/** The shard ran the statement and MySQL refused it (syntax, constraint, deadlock); carries the SQL state. */
public class ShardQueryException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String sqlState;

    public ShardQueryException(String message, String sqlState, Throwable cause) {
        super(message, cause);
        this.sqlState = sqlState;
    }

    public String sqlState() {
        return sqlState;
    }
}
