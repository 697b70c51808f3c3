package io.headroom.core.internal.store;

import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The control schema's DataSource as every component holds it: a stable object in front of the pool of whichever
 * server is the primary now (swapped after a switchover). While a switchover fences control writes it hands out
 * read-only connections, so any write fails (MySQL error 1792, answered 503 + Retry-After) whatever the database user's
 * privileges, and it counts the connections handed out before the fence that are still open, which the fence waits
 * for before this node acknowledges it.
 */
final class ControlPool implements DataSource {
    private volatile HikariDataSource pool;
    private volatile boolean fenced;
    private final AtomicInteger openWritable = new AtomicInteger();

    ControlPool(HikariDataSource pool) {
        this.pool = pool;
    }

    HikariDataSource current() {
        return pool;
    }

    /** Puts another server's pool in front; returns the previous one (to close once its borrowers are done). */
    HikariDataSource swap(HikariDataSource next) {
        HikariDataSource previous = pool;
        pool = next;
        return previous;
    }

    void fence() {
        fenced = true;
    }

    void unfence() {
        fenced = false;
    }

    boolean fenced() {
        return fenced;
    }

    /** Connections handed out before the fence (they may write) and not closed yet. */
    int openWritable() {
        return openWritable.get();
    }

    /** A connection of the current pool that ignores the fence, for the store's own bookkeeping (fence acks). */
    Connection unfenced() throws SQLException {
        return pool.getConnection();
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection c = pool.getConnection();
        if (fenced) {
            try {
                c.setReadOnly(true); // the pool resets it when the connection comes back
            } catch (SQLException e) {
                c.close();
                throw e;
            }
            return c;
        }
        openWritable.incrementAndGet();
        return counted(c);
    }

    /** The connection, counted in {@link #openWritable} until it is closed. */
    private Connection counted(Connection c) {
        AtomicInteger open = openWritable;
        boolean[] closed = new boolean[1];
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, m, args) -> {
            if ("close".equals(m.getName()) && m.getParameterCount() == 0) {
                synchronized (closed) {
                    if (!closed[0]) {
                        closed[0] = true;
                        open.decrementAndGet();
                    }
                }
            }
            try {
                return m.invoke(c, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("the control schema's credentials come from its configuration");
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return pool.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        pool.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        pool.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return pool.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        if (type.isInstance(this)) {
            return type.cast(this);
        }
        return pool.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
        return type.isInstance(this) || pool.isWrapperFor(type);
    }
}
