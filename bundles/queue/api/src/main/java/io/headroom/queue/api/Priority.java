package io.headroom.queue.api;

/** Job priority: higher priorities are dispatched first; tenants share each priority level fairly. */
public enum Priority {
    HIGH, NORMAL, LOW
}
