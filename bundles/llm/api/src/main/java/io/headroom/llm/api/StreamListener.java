package io.headroom.llm.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives a streamed answer. Exactly one of {@link #completed} and {@link #failed} ends every stream; a stream that
 * fails after its first token ends with {@code failed}, never with a truncated answer that looks complete.
 */
@ConsumerType
public interface StreamListener {
    /** Which deployment is answering; called once, before the first token. */
    default void started(String deployment, String model) {
    }

    void token(String text);

    void completed(ChatResponse response);

    void failed(ProviderException error);
}
