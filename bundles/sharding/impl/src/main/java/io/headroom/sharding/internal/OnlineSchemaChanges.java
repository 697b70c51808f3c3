package io.headroom.sharding.internal;

import io.headroom.core.api.fleet.Leases;
import io.headroom.sharding.api.SchemaChangeStatus;
import io.headroom.sharding.api.SchemaChanges;
import io.headroom.sharding.internal.core.DdlCheck;
import io.headroom.sharding.internal.core.SchemaChangeState;
import io.headroom.core.api.fleet.LeasedWork;
import io.headroom.sharding.internal.engine.SchemaChangeRunner;
import io.headroom.sharding.internal.engine.ShadowCopy;
import io.headroom.sharding.internal.store.SchemaChangeStore;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Versioned schema changes across the shards of the shared {@link ShardMap}. Each change is recorded in the control
 * schema and run by the node holding its lease {@code sharding.schema.<version>}; a RUNNING change whose lease is free
 * (its holder stopped or died) is taken over at the next look.
 */
@Component(service = SchemaChanges.class)
public final class OnlineSchemaChanges implements SchemaChanges {
    private final ShardMap map;
    private final SchemaChangeStore store;
    private final LeasedWork<Integer> work;

    @Activate
    public OnlineSchemaChanges(@Reference ShardMap map, @Reference Leases leases) {
        this.map = map;
        this.store = new SchemaChangeStore(map.control());
        ShadowCopy shadow = new ShadowCopy(map, map.settings().shadowCopy());
        SchemaChangeRunner.Settings settings = new SchemaChangeRunner.Settings(map.settings().schemaConcurrency(), map.settings().schemaShardPauseMillis());
        this.work = new LeasedWork<>("sharding.schema", leases, () -> store.in(SchemaChangeState.RUNNING),
                (version, lease) -> new SchemaChangeRunner(map, store, shadow, lease, version, settings));
    }

    @Deactivate
    void deactivate() {
        work.close();
    }

    @Override
    public SchemaChangeStatus apply(int version, String ddl) {
        return apply(version, ddl, null);
    }

    @Override
    public List<io.headroom.sharding.api.SchemaDrift> diff() {
        try {
            return map.diff();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the recorded schema: " + e.getMessage(), e);
        }
    }

    @Override
    public SchemaChangeStatus apply(int version, String ddl, String confirm) {
        if (version < 1) {
            throw new IllegalArgumentException("schema versions start at 1");
        }
        DdlCheck.Change change = DdlCheck.classify(ddl, map.shardedTables(), map.settings().tenantColumn());
        if (change.kind() == DdlCheck.Kind.DROP && !change.table().equals(confirm == null ? null : confirm.trim().toLowerCase(java.util.Locale.ROOT))) {
            throw new IllegalArgumentException("DROP TABLE deletes every tenant's rows of " + change.table()
                    + " on every shard: confirm with the table's name (--confirm " + change.table() + ", or \"confirm\": \"" + change.table() + "\")");
        }
        try {
            int latest = store.latest();
            if (version <= latest) {
                throw new IllegalStateException("schema version " + version + " is not new: the latest is " + latest);
            }
            map.reload(); // the shards as the control schema has them: one registered through another node a moment ago too
            List<String> shards = new ArrayList<>(map.topology().shards().keySet());
            if (shards.isEmpty()) {
                throw new IllegalStateException("there are no shards to change");
            }
            shards.sort(null);
            store.create(version, ddl.trim(), shards.get(0));
            map.refreshTables(); // a dropped table leaves the sharded schema before any shard drops it
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record the schema change: " + e.getMessage(), e);
        }
        work.claim(version);
        return status(version).orElseThrow();
    }

    @Override
    public Optional<SchemaChangeStatus> status(int version) {
        try {
            return store.status(version);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read schema changes: " + e.getMessage(), e);
        }
    }

    @Override
    public List<SchemaChangeStatus> changes() {
        try {
            return store.list();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read schema changes: " + e.getMessage(), e);
        }
    }

    @Override
    public SchemaChangeStatus pause(int version) {
        return step(version, SchemaChangeState.PAUSED);
    }

    @Override
    public SchemaChangeStatus resume(int version) {
        SchemaChangeStatus s = step(version, SchemaChangeState.RUNNING);
        work.claim(version);
        return s;
    }

    @Override
    public SchemaChangeStatus cancel(int version) {
        SchemaChangeStatus s = step(version, SchemaChangeState.CANCELLED);
        // whoever holds the lease drops what a shadow copy left; nobody holding it (paused before a restart): do it here
        work.tryLease(version).ifPresent(lease -> {
            try (lease) {
                SchemaChangeRunner.cleanUp(map, s.ddl());
            }
        });
        return s;
    }

    /** An operator's step, a compare-and-set from the state the change is in now. */
    private SchemaChangeStatus step(int version, SchemaChangeState to) {
        SchemaChangeStatus s = status(version).orElseThrow(() -> new IllegalArgumentException("no schema change " + version));
        SchemaChangeState from = SchemaChangeState.valueOf(s.state());
        from.to(to, version);
        try {
            if (!store.transition(version, from, to)) {
                throw new IllegalStateException("schema change " + version + " left state " + from + " meanwhile; look at it again");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot update schema change " + version + ": " + e.getMessage(), e);
        }
        return status(version).orElseThrow();
    }
}
