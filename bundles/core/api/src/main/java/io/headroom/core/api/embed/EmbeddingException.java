package io.headroom.core.api.embed;

/** No deployment of an embeddings route could answer; the message is safe to show the tenant. */
public class EmbeddingException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean retryable;

    public EmbeddingException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    /** True when the same call may succeed later (rate limits, cooldowns, a provider briefly down). */
    public boolean retryable() {
        return retryable;
    }
}
