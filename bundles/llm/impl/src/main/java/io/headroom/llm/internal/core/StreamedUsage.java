package io.headroom.llm.internal.core;

import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ResponsesRequest;

/**
 * What a stream has cost so far, for a stream that ends without the provider's usage: cut by its client going away, or
 * by the provider failing or going silent mid-answer. The provider billed the prompt and what it streamed, so the
 * estimate is the prompt as the router estimates it (~4 characters a token, as {@link ChatRequest#estimatedTokens}
 * counts it without the output limit) plus the output streamed so far: the characters of text deltas and of tool-call
 * names and argument deltas (and of the {@code delta} of a Responses API stream's {@code *.delta} events), at
 * {@value #CHARS_PER_TOKEN} characters a token, rounded up.
 * <p>A stream cut before any output is estimated at 0: nothing was billed for output, and whether the provider processed
 * the prompt at all (it may not have received the whole request, or been cancelled while it queued) cannot be told, so
 * such a call releases its whole reservation, as a call that failed before its first byte does.
 * <p>A stream's events come from one thread at a time; its end is read after them (fields are volatile for the hand-over).
 * {@link #end} makes sure a stream is settled once, whichever of its ends (completed, failed, abandoned) comes first.
 */
public final class StreamedUsage {
    /** Characters of output counted as one token. */
    public static final int CHARS_PER_TOKEN = 4;

    private final int promptTokens;
    private volatile long outputChars;
    private volatile boolean output;
    private volatile String deployment;
    private volatile boolean ended;

    public StreamedUsage(int promptTokens) {
        this.promptTokens = Math.max(0, promptTokens);
    }

    /** The prompt estimate of a chat request: its estimate without the output limit it reserves. */
    public static int promptTokens(ChatRequest request) {
        return Math.max(0, request.estimatedTokens() - request.maxTokens());
    }

    /**
     * The prompt estimate of a Responses API call: its mapping's, or for a call that cannot be mapped the body at the same
     * ~4 characters a token (as its whole estimate counts it before adding the output limit).
     */
    public static int promptTokens(ResponsesRequest request) {
        if (request.mapped() != null) {
            return promptTokens(request.mapped());
        }
        return (int) Math.min(request.estimatedTokens(), request.body().length() / (long) CHARS_PER_TOKEN + 1);
    }

    /** The stream started on this deployment. */
    public void started(String deployment) {
        this.deployment = deployment;
    }

    /** The deployment that answered, null before the stream started. */
    public String deployment() {
        return deployment;
    }

    /** A text delta was streamed. */
    public void text(String text) {
        output = true;
        outputChars += text == null ? 0 : text.length();
    }

    /** A piece of a tool call was streamed: its name (first piece) and an arguments fragment count as output. */
    public void toolCall(String name, String arguments) {
        output = true;
        outputChars += (name == null ? 0 : name.length()) + (arguments == null ? 0 : arguments.length());
    }

    /**
     * An event of a Responses API stream passed through: its {@code *.delta} events (output text, function call
     * arguments, reasoning) are output, their {@code delta} string counted; the others (created, in progress, done) are not.
     */
    public void event(String type, String data) {
        if (type != null && type.endsWith(".delta")) {
            output = true;
            outputChars += deltaLength(data);
        }
    }

    /**
     * The length of the string value of the top-level {@code "delta"} field of an event's JSON text (an escape
     * sequence counts as one character), 0 when there is none.
     */
    static int deltaLength(String json) {
        if (json == null) {
            return 0;
        }
        int at = json.indexOf("\"delta\"");
        if (at < 0) {
            return 0;
        }
        int i = at + 7;
        while (i < json.length() && (json.charAt(i) == ':' || Character.isWhitespace(json.charAt(i)))) {
            i++;
        }
        if (i >= json.length() || json.charAt(i) != '"') {
            return 0;
        }
        int length = 0;
        for (i++; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '"') {
                return length;
            }
            if (c == '\\') {
                i += i + 1 < json.length() && json.charAt(i + 1) == 'u' ? 5 : 1;
            }
            length++;
        }
        return length;
    }

    /** Whether any output was streamed. */
    public boolean streamedOutput() {
        return output;
    }

    /** The prompt estimate. */
    public int promptTokens() {
        return promptTokens;
    }

    /** The output streamed so far, in tokens (rounded up). */
    public int outputTokens() {
        return (int) Math.min(Integer.MAX_VALUE / 2, (outputChars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN);
    }

    /** What the stream cost so far: the prompt plus the output streamed, or 0 before any output. */
    public long usedTokens() {
        return output ? (long) promptTokens + outputTokens() : 0;
    }

    /** Marks the stream settled; true only the first time. */
    public synchronized boolean end() {
        if (ended) {
            return false;
        }
        ended = true;
        return true;
    }
}
