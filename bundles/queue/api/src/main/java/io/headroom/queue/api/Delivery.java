package io.headroom.queue.api;

/** How jobs of a remote type reach their workers. */
public enum Delivery {
    /** Workers in any language lease jobs over REST and acknowledge them. */
    PULL,
    /** The platform POSTs each job to the type's URL, signed as a Standard Webhook. */
    PUSH
}
