package io.headroom.example.api;

import io.headroom.core.api.TenantId;
import java.util.Objects;

/** A tenant's greeting and how many times it was updated (0: the default, never set). */
public record Greeting(TenantId tenant, String message, long updates) {
    public Greeting {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(message, "message");
    }
}
