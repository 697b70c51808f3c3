package io.headroom.core.internal.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one node's in-memory copy of some platform state in step with the control schema. Writes run in a
 * transaction that also bumps the state's {@link ControlVersions} counter; every node polls that counter and
 * reloads when it moved, so reads are memory lookups and changes reach all nodes within the refresh interval.
 */
public final class ControlCache {
    private static final Logger LOG = LoggerFactory.getLogger(ControlCache.class);

    /** Reads the whole state from the control schema into memory. */
    @FunctionalInterface
    public interface Loader {
        void load(Connection c) throws SQLException;
    }

    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private final DataSource db;
    private final String counter;
    private final Loader loader;
    private final ScheduledExecutorService refresher;
    private volatile long seenVersion = -1;
    private volatile long lastReload;
    private volatile long lastConfirmed;
    private volatile boolean failing;

    public ControlCache(DataSource db, String counter, long refreshMillis, Loader loader) throws SQLException {
        this.db = db;
        this.counter = counter;
        this.loader = loader;
        reload();
        refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "headroom-" + counter + "-refresh");
            t.setDaemon(true);
            return t;
        });
        refresher.scheduleWithFixedDelay(this::refresh, refreshMillis, refreshMillis, TimeUnit.MILLISECONDS);
    }

    public void close() {
        refresher.shutdownNow();
    }

    /**
     * Reloads if another node changed the state; a failure keeps the cached state (logged when the control schema
     * stops answering and when it answers again, not at every refresh).
     */
    public void refresh() {
        try (Connection c = db.getConnection()) {
            if (ControlVersions.read(c, counter) != seenVersion) {
                reload();
            }
            lastConfirmed = System.currentTimeMillis();
            if (failing) {
                failing = false;
                LOG.info("{}: the control schema answers again", counter);
            }
        } catch (SQLException | RuntimeException e) {
            if (!failing) {
                failing = true;
                LOG.warn("{} refresh failed; serving the cached copy until the control schema answers: {}", counter, e.getMessage());
            }
        }
    }

    public long millisSinceReload() {
        return System.currentTimeMillis() - lastReload;
    }

    /** How long ago the control schema last answered this cache (a reload or a check that nothing changed). */
    public long millisSinceConfirmed() {
        return System.currentTimeMillis() - Math.max(lastConfirmed, lastReload);
    }

    /** The counter is read before the state, so a change racing the read leaves the counter ahead: reloaded again. */
    private synchronized void reload() throws SQLException {
        try (Connection c = db.getConnection()) {
            long version = ControlVersions.read(c, counter);
            loader.load(c);
            seenVersion = version;
            lastReload = System.currentTimeMillis();
        }
    }

    /** Runs the work and bumps the counter in one transaction, then reloads this node's copy. */
    public <T> T write(Work<T> work) {
        try (Connection c = db.getConnection()) {
            T result;
            c.setAutoCommit(false);
            try {
                result = work.run(c);
                ControlVersions.bump(c, counter);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback(); // fails too when the connection broke: keep the first failure, the cause
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            }
            c.setAutoCommit(true);
            reload();
            return result;
        } catch (SQLException e) {
            throw new IllegalStateException(counter + " change failed: " + e.getMessage(), e);
        }
    }
}
