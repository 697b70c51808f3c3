package io.headroom.core.api;

/** Thrown for a job name outside the documented format; the REST host answers it with 400. */
public class InvalidJobNameException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidJobNameException(String message) {
        super(message);
    }
}
