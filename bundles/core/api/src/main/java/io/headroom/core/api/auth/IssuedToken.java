package io.headroom.core.api.auth;

/** A newly created token: the only time the secret {@code token} is available. */
public record IssuedToken(TokenInfo info, String token) {
}
