package io.headroom.heartbeat.api;

/** A release action refused: bad input, or (when {@link #conflict()}) the state of the fleet does not allow it. */
public class ReleaseRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean conflict;

    public ReleaseRefusedException(String message, boolean conflict) {
        super(message);
        this.conflict = conflict;
    }

    public boolean conflict() {
        return conflict;
    }
}
