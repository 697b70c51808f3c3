package io.headroom.example.internal.core;

import io.headroom.core.api.TenantId;
import io.headroom.example.api.Greeting;
import io.headroom.example.api.Greetings;

/**
 * The example's decisions, with no I/O: what a valid message is, what a tenant sees before it sets one (the default,
 * never updated), and what an update makes of the current greeting. The service stores the result with a
 * compare-and-set on the update count, so two nodes updating one tenant at once never lose an update.
 */
public final class GreetingRules {
    private final String defaultMessage;

    public GreetingRules(String defaultMessage) {
        this.defaultMessage = check(defaultMessage);
    }

    /** The message, if it is 1 to {@value Greetings#MAX_MESSAGE} characters and not blank. */
    public static String check(String message) {
        if (message == null || message.isBlank() || message.length() > Greetings.MAX_MESSAGE) {
            throw new IllegalArgumentException("'message' is required, 1-" + Greetings.MAX_MESSAGE + " characters");
        }
        return message;
    }

    public Greeting initial(TenantId tenant) {
        return new Greeting(tenant, defaultMessage, 0);
    }

    /** The greeting after an update of {@code current} (null when the tenant has none stored yet). */
    public Greeting next(TenantId tenant, Greeting current, String message) {
        return new Greeting(tenant, check(message), current == null ? 1 : current.updates() + 1);
    }
}
