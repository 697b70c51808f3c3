package io.headroom.llm.internal.core;

import io.headroom.llm.api.StreamListener;

/** Passes a stream's start and tokens through; subclasses add what happens when it ends. */
public abstract class ForwardingListener implements StreamListener {
    protected final StreamListener delegate;

    protected ForwardingListener(StreamListener delegate) {
        this.delegate = delegate;
    }

    @Override
    public void started(String deployment, String model) {
        delegate.started(deployment, model);
    }

    @Override
    public void token(String text) {
        delegate.token(text);
    }
}
