package io.headroom.core.api.load;

import java.time.Instant;
import java.util.Objects;

/**
 * A tenant's rate on a layer went over {@code factor} times its baseline while holding at least a threshold share of
 * the layer ({@code ended} false), or came back under ({@code ended} true).
 */
public record LoadSpike(String tenant, String layer, double rate, double baseline, double share, double factor,
                        boolean ended, Instant at) {
    public LoadSpike {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(at, "at");
    }
}
