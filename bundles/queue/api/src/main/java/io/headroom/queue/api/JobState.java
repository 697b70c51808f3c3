package io.headroom.queue.api;

/** Where a job is in its life. */
public enum JobState {
    /** Queued, or waiting for its retry after a failed attempt. */
    WAITING,
    /** Queued with a start time in the future. */
    DELAYED,
    /** Running on a handler, leased by a worker, or being pushed. */
    RUNNING,
    SUCCEEDED,
    /** Failed its last attempt. */
    DEAD,
    CANCELLED
}
