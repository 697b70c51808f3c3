package io.headroom.llm.api;

/** Capacity class: a share of every deployment's limits is reserved for interactive calls. */
public enum Priority {
    INTERACTIVE, BACKGROUND
}
