package io.headroom.core.api.health;

/**
 * One readiness answer. {@code DEGRADED}: the capability serves, with less (e.g. one of three LLM deployments cools
 * down); {@code DOWN}: it cannot serve its requests (e.g. Elasticsearch does not answer). {@code detail} is for
 * operators (it may name hosts: it is never shown to anonymous callers).
 */
public record Health(State state, String detail) {
    public enum State {
        UP, DEGRADED, DOWN
    }

    public static Health up(String detail) {
        return new Health(State.UP, detail);
    }

    public static Health degraded(String detail) {
        return new Health(State.DEGRADED, detail);
    }

    public static Health down(String detail) {
        return new Health(State.DOWN, detail);
    }

    /** The worse of two states. */
    public static State worst(State a, State b) {
        return a.ordinal() >= b.ordinal() ? a : b;
    }
}
