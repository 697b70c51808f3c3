package io.headroom.llm.internal.rest;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.DirectEndpoint;
import java.time.Duration;

/**
 * The tests' direct exchanges share this: what the LLM endpoints do not use of an exchange (they write OpenAI's
 * envelopes themselves and never suspend).
 */
public abstract class TestExchange implements DirectEndpoint.Exchange {
    @Override
    public TenantId tenant() {
        return null;
    }

    @Override
    public <T> T readJson(Class<T> type) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void writeJson(int status, Object value) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void fail(RuntimeException error) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void suspend(Duration timeout) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void complete() {
    }
}
