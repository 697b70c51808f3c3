package io.headroom.llm.internal.rest;

import io.headroom.core.api.rest.ProblemException;

/**
 * A refusal that carries OpenAI's error {@code code} and the {@code param} it is about (e.g. context_length_exceeded on
 * messages, unsupported_parameter on seed), for the gateway's error envelope; elsewhere a plain problem.
 */
final class OpenAiProblem extends ProblemException {
    private static final long serialVersionUID = 1L;
    private final String code;
    private final String param;

    OpenAiProblem(int status, String detail, String code, String param) {
        super(status, detail);
        this.code = code;
        this.param = param;
    }

    /** OpenAI's error code, or null. */
    String code() {
        return code;
    }

    /** The request parameter the refusal is about, or null. */
    String param() {
        return param;
    }
}
