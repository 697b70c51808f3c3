package io.headroom.queue.internal;

import io.headroom.queue.api.Job;
import io.headroom.queue.api.JobHandler;

/**
 * One of this node's worker threads: takes the job the fair scheduler picks, runs its type's handler, and ends the
 * attempt (a job cancelled while it waited is dropped, never run); waits to be woken when there is nothing to run.
 */
final class LocalWorker implements Runnable {
    private final WorkerQueue q;

    LocalWorker(WorkerQueue q) {
        this.q = q;
    }

    @Override
    public void run() {
        while (q.running()) {
            Job job = q.scheduler.next();
            if (job == null) {
                synchronized (q.wakeUp) {
                    try {
                        q.wakeUp.wait(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                continue;
            }
            if (!q.tracker.start(job)) {
                q.scheduler.done(job, 0);
                q.dropCancelled(job);
                continue;
            }
            long start = System.nanoTime();
            String error = null;
            JobHandler handler = q.handler(job.type());
            try {
                if (handler == null) {
                    error = "no handler for job type " + job.type();
                } else {
                    handler.handle(job);
                }
            } catch (Exception | LinkageError e) {
                error = e.toString();
            } finally {
                q.scheduler.done(job, System.nanoTime() - start);
                q.signalIdle();
            }
            q.tenants().account(job, start, error);
            q.finish(job, error, -1);
        }
    }
}
