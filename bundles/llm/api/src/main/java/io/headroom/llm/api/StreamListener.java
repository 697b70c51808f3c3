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

    /**
     * A piece of a tool call: its first piece carries the call's {@code id} and function {@code name} (arguments
     * possibly empty), the next ones only an {@code arguments} fragment ({@code id} and {@code name} null).
     * {@code index} numbers the answer's tool calls from 0 and is the same for every piece of one call. The first
     * piece of an answer that starts with a tool call starts the stream as a token does.
     */
    default void toolCall(int index, String id, String name, String arguments) {
    }

    /**
     * One event of a deployment's own Responses API stream, passed through as it came: its type and its data (JSON
     * text). Only streams of {@link LlmRouter#streamResponses} from a deployment that serves the Responses API send
     * these (then no tokens or tool calls); the first one starts the stream as a token does, and {@link #completed}
     * follows the last with the deployment's usage. Others refuse them.
     */
    default void event(String type, String data) {
        throw new UnsupportedOperationException("not a Responses API stream");
    }

    void completed(ChatResponse response);

    void failed(ProviderException error);
}
