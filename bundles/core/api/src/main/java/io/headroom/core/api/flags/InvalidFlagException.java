package io.headroom.core.api.flags;

/** A flag name or value outside the accepted format or range. */
public class InvalidFlagException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidFlagException(String message) {
        super(message);
    }
}
