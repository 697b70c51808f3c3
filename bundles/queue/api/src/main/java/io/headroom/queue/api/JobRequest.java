package io.headroom.queue.api;

import io.headroom.core.api.TenantId;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A job to enqueue: the tenant it belongs to, its type (which handler runs it), a payload (at most
 * {@value #MAX_PAYLOAD} characters), a priority, and an optional idempotency key: a second request with the same
 * tenant and key within the dedupe window returns the first job instead of enqueuing another.
 */
public record JobRequest(TenantId tenant, String type, String payload, Priority priority, String idempotencyKey) {
    public static final int MAX_PAYLOAD = 262_144;
    private static final Pattern TYPE = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    public JobRequest {
        Objects.requireNonNull(tenant, "tenant");
        if (type == null || !TYPE.matcher(type).matches()) {
            throw new IllegalArgumentException("invalid job type '" + type
                    + "': use 1-100 characters of a-z, 0-9, '.', '-' or '_', starting with a letter or digit");
        }
        payload = payload == null ? "" : payload;
        if (payload.length() > MAX_PAYLOAD) {
            throw new IllegalArgumentException("payload is longer than " + MAX_PAYLOAD + " characters");
        }
        priority = priority == null ? Priority.NORMAL : priority;
        if (idempotencyKey != null && !KEY.matcher(idempotencyKey).matches()) {
            throw new IllegalArgumentException("invalid idempotency key: 1-128 characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'");
        }
    }
}
