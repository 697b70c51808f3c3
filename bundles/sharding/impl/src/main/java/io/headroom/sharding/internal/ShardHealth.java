package io.headroom.sharding.internal;

import io.headroom.core.api.health.Health;
import io.headroom.core.api.health.HealthCheck;
import io.headroom.sharding.api.ShardAdmin;
import io.headroom.sharding.api.ShardInfo;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Sharding's readiness from the shards' breakers: DEGRADED while some shards are down or recovering (their tenants
 * fail, the others are served), DOWN when every shard is, UP otherwise (also with no shard registered yet).
 */
@Component(service = HealthCheck.class, property = HealthCheck.CAPABILITY + "=sharding")
public final class ShardHealth implements HealthCheck {
    private final ShardAdmin shards;

    @Activate
    public ShardHealth(@Reference ShardAdmin shards) {
        this.shards = shards;
    }

    @Override
    public Health check() {
        List<ShardInfo> all = shards.shards();
        List<String> unwell = all.stream().filter(s -> !"UP".equals(s.health())).map(s -> s.name() + " " + s.health()).toList();
        if (unwell.isEmpty()) {
            return Health.up(all.size() + " shards up");
        }
        return unwell.size() == all.size() ? Health.down("every shard is down: " + unwell) : Health.degraded("shards not up: " + unwell);
    }
}
