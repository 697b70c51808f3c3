package io.headroom.heartbeat.api;

/**
 * A burn-rate alert for one job, for one tenant or platform-wide ({@code tenant} null). {@code severity} is
 * {@code page} or {@code ticket}; {@code resolvedAt} is null while it fires. Burn rates are the ratio of the bad
 * share to the error budget over the long and short windows of the rule that fired.
 */
public record Alert(long id, String tenant, String job, String severity, String rule, double longBurn, double shortBurn,
                    String firedAt, String resolvedAt) {
    public static final String PAGE = "page";
    public static final String TICKET = "ticket";

    public boolean firing() {
        return resolvedAt == null;
    }
}
