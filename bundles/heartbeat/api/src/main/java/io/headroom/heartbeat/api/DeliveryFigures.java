package io.headroom.heartbeat.api;

/**
 * Delivery figures of one bundle over a window: releases that reached the whole fleet per day, the median lead time
 * from upload (or start, for Maven sources) to fleet-wide, the share of finished releases rolled back, and the
 * median time from the page to every live node running the previous version again ({@code -1} when none).
 */
public record DeliveryFigures(String unit, long windowSeconds, int completed, int rolledBack, double perDay,
                              double leadTimeSeconds, double changeFailureRate, double timeToRestoreSeconds) {
}
