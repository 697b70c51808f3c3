package io.headroom.core.api.fleet;

/**
 * Background work this node runs on its own thread while it holds the work's lease. It ends when the work is over,
 * when the node stops it, or when the lease is lost; the lease is released when the thread ends.
 */
public abstract class LeasedRunner {
    protected final Lease lease;
    private final String threadName;
    private volatile Runnable onExit = () -> { };
    private Thread thread;
    private volatile boolean stopped;

    protected LeasedRunner(Lease lease, String threadName) {
        this.lease = lease;
        this.threadName = threadName;
    }

    /** The work, until it is over or {@link #halted()}. */
    protected abstract void work();

    /** Starts the thread; {@code onExit} runs once it has ended and released the lease. */
    final void start(Runnable exit) {
        this.onExit = exit;
        thread = new Thread(() -> {
            try {
                work();
            } finally {
                lease.close();
                onExit.run();
            }
        }, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** Asks the runner to stop (its thread is interrupted). */
    final void stop() {
        stopped = true;
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** Waits up to {@code millis} for the thread to end; releases the lease anyway after that. */
    final void awaitStopped(long millis) {
        try {
            if (thread != null) {
                thread.join(Math.max(1, millis));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lease.close();
    }

    /** The node stops this runner, or another node may hold the lease now: write nothing more. */
    protected final boolean halted() {
        return stopped || !lease.held();
    }
}
