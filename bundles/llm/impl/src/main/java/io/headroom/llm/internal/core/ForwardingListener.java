package io.headroom.llm.internal.core;

import io.headroom.llm.api.StreamListener;

/** Passes a stream's start, tokens, tool calls and Responses events through; subclasses add what happens when it ends. */
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

    @Override
    public void toolCall(int index, String id, String name, String arguments) {
        delegate.toolCall(index, id, name, arguments);
    }

    @Override
    public void event(String type, String data) {
        delegate.event(type, data);
    }
}
