package io.headroom.search.internal.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A background loop on its own daemon thread: runs its body, sleeps, and runs it again early when woken. */
public final class Loop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Loop.class);
    private final Thread thread;
    private volatile boolean running = true;

    public Loop(String name, long periodMillis, Runnable body) {
        thread = new Thread(() -> {
            while (running) {
                try {
                    body.run();
                } catch (RuntimeException e) {
                    LOG.warn("{}: {}", name, e.toString());
                }
                try {
                    Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                    if (!running) {
                        return;
                    }
                    // woken early: run the body now
                }
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
    }

    public boolean running() {
        return running;
    }

    /** Runs the body now rather than at the next tick. */
    public void wake() {
        thread.interrupt();
    }

    /** Stops the loop and waits up to 5 s for the body to end. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
