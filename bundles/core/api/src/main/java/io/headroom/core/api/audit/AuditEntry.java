package io.headroom.core.api.audit;

import java.time.Instant;

/**
 * One recorded action. {@code actor} is the operator's login or the token's name; {@code via} is {@code rest},
 * {@code shell} or the name of the capability that acted by itself; {@code action} what was done (for REST the method
 * and the endpoint template, for the shell the command), {@code target} what it was done to (the concrete path, the
 * command line), {@code outcome} the status or error. {@code id}, {@code at} and {@code node} are set when recorded.
 */
public record AuditEntry(long id, Instant at, String node, String actor, String via, String action, String target,
        String outcome, String requestId) {

    /** A new entry, to be recorded now on this node. */
    public static AuditEntry of(String actor, String via, String action, String target, String outcome, String requestId) {
        return new AuditEntry(0, null, null, actor, via, action, target, outcome, requestId);
    }
}
