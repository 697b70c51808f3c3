package io.headroom.sharding.internal;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Statement timeouts of the Data API on one timer for the whole router, instead of the driver's: Connector/J's
 * {@code setQueryTimeout} arms a task on a timer thread of each connection for every execution, which wakes that thread
 * (and purges its queue) per statement, a cost measured on the scatter path (bench/RESULTS.md). Here a deadline is a
 * task in one queue (equal timeouts queue behind each other, so arming one wakes nobody) removed when the statement
 * returns; at the deadline the statement is cancelled on the server ({@code KILL QUERY}, what the driver's timer does),
 * never after it returned, so a cancel cannot reach the connection's next statement.
 */
final class StatementDeadlines implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StatementDeadlines.class);

    private final ScheduledThreadPoolExecutor timer;

    StatementDeadlines() {
        timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "headroom-sharding-statement-timeout");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** One armed statement: {@link #close} once it returned (whatever the outcome); {@link #expired} says whether it was cancelled. */
    final class Armed implements AutoCloseable {
        private final Statement statement;
        private final ScheduledFuture<?> task;
        private boolean returned;
        private volatile boolean expired;

        private Armed(Statement statement, long millis) {
            this.statement = statement;
            this.task = timer.schedule(this::expire, millis, TimeUnit.MILLISECONDS);
        }

        private synchronized void expire() {
            if (returned) {
                return;
            }
            expired = true;
            try {
                statement.cancel(); // KILL QUERY on another connection; the statement's thread gets an exception
            } catch (SQLException | RuntimeException e) {
                LOG.debug("sharding: cannot cancel a statement past its timeout: {}", e.getMessage());
            }
        }

        boolean expired() {
            return expired;
        }

        @Override
        public void close() {
            synchronized (this) {
                returned = true; // waits for a cancel in flight, so none outlives the statement
            }
            task.cancel(false);
        }
    }

    /** Arms a deadline {@code seconds} from now for {@code statement} (not before {@link Statement} is executed). */
    Armed arm(Statement statement, int seconds) {
        return new Armed(statement, seconds * 1000L);
    }

    /** Deadlines armed and not yet removed (a returned statement's is removed at once). */
    int pending() {
        return timer.getQueue().size();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
