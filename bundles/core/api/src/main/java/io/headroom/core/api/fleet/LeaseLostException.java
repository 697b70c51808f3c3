package io.headroom.core.api.fleet;

/** The work's lease has changed hands or expired: whatever the work was about to write must not be written. */
public final class LeaseLostException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public LeaseLostException(String name) {
        super("lease " + name + " is no longer held by this node");
    }
}
