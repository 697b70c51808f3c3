package io.headroom.core.api;

/** Thrown for a tenant id outside the documented format; the REST host answers it with 400. */
public class InvalidTenantIdException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidTenantIdException(String message) {
        super(message);
    }
}
