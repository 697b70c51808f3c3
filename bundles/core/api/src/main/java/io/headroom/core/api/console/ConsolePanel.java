package io.headroom.core.api.console;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One panel of the operator console. Rendered on every page view, on a request thread: read state the capability keeps
 * in memory or in one cheap query, never a remote call per tenant. Panels are ordered by {@link #order()}, then title.
 */
@ConsumerType
public interface ConsolePanel {
    /** A short id, unique on the page (the panel's HTML id: {@code panel-<id>}). */
    String id();

    String title();

    /** Where the panel goes: lower first. */
    default int order() {
        return 100;
    }

    /**
     * The panel's body, an HTML fragment: text from anywhere else must go through {@link Html#escape}. When there is
     * nothing to show, say so in a sentence rather than leaving the panel empty.
     */
    String html();
}
