package io.headroom.core.api.store;

/**
 * A control-schema switchover: from one server to another, its outcome ({@code DONE} or {@code ROLLED_BACK} with the
 * reason in {@code detail}), and how long control writes were refused on the fleet ({@code fencedMillis}).
 */
public record Switchover(long id, String from, String to, String state, long fencedMillis, String startedAt, String detail) {
    public static final String DONE = "DONE";
    public static final String ROLLED_BACK = "ROLLED_BACK";
}
