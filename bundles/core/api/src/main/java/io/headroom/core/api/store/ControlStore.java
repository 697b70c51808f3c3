package io.headroom.core.api.store;

import java.util.List;
import javax.sql.DataSource;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The MySQL control schema holding platform state (flags, tokens, shard maps, migration progress).
 * Any number of Headroom nodes share one control schema; nothing that must survive a node lives only in memory.
 */
@ProviderType
public interface ControlStore {

    /** A pooled DataSource on the control schema. */
    DataSource dataSource();

    /**
     * Applies the given component's migrations that are not applied yet, in version order, under a
     * schema-wide lock so that nodes starting together apply each migration exactly once.
     *
     * @throws IllegalStateException if an applied migration's statements have changed since it was applied
     */
    void migrate(String component, List<Migration> migrations);

    /** The migrations applied so far, all components. */
    List<AppliedMigration> appliedMigrations();

    /** A short description of where the store points (host, port, schema; never credentials). */
    String describe();
}
