package io.headroom.queue.api;

import io.headroom.core.api.JobName;
import io.headroom.core.api.TenantId;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A job to enqueue: the tenant it belongs to, its type (which handler runs it), a payload (at most
 * {@value #MAX_PAYLOAD} characters), a priority, and an optional idempotency key: a second request with the same
 * tenant and key within the dedupe window returns the first job instead of enqueuing another. {@code notBefore}, when
 * set, delays the job's first attempt until then (at most {@value #MAX_DELAY_DAYS} days ahead).
 * <p>
 * A type is a {@link JobName} of at most {@value #MAX_TYPE_LENGTH} characters, so the name its outcomes are reported
 * under ({@link #outcomeJob(String)}, {@code queue.<type>}) is always a job name the heartbeat accepts for an SLO.
 */
public record JobRequest(TenantId tenant, String type, String payload, Priority priority, String idempotencyKey, Instant notBefore) {
    public static final int MAX_PAYLOAD = 262_144;
    public static final int MAX_DELAY_DAYS = 7;
    /** What the queue puts before a job type to name its outcomes. */
    public static final String OUTCOME_PREFIX = "queue.";
    public static final int MAX_TYPE_LENGTH = JobName.MAX_LENGTH - OUTCOME_PREFIX.length();
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    public JobRequest {
        Objects.requireNonNull(tenant, "tenant");
        JobName.of(type, "job type", MAX_TYPE_LENGTH);
        payload = payload == null ? "" : payload;
        if (payload.length() > MAX_PAYLOAD) {
            throw new IllegalArgumentException("payload is longer than " + MAX_PAYLOAD + " characters");
        }
        priority = priority == null ? Priority.NORMAL : priority;
        if (idempotencyKey != null && !KEY.matcher(idempotencyKey).matches()) {
            throw new IllegalArgumentException("invalid idempotency key: 1-128 characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'");
        }
        if (notBefore != null && notBefore.isAfter(Instant.now().plusSeconds(MAX_DELAY_DAYS * 86_400L))) {
            throw new IllegalArgumentException("notBefore is more than " + MAX_DELAY_DAYS + " days ahead");
        }
    }

    /** A job to run as soon as possible. */
    public JobRequest(TenantId tenant, String type, String payload, Priority priority, String idempotencyKey) {
        this(tenant, type, payload, priority, idempotencyKey, null);
    }

    /** The job name a job of this type reports its outcomes under. */
    public static String outcomeJob(String type) {
        return OUTCOME_PREFIX + type;
    }
}
