package io.headroom.core.api.store;

import java.sql.SQLException;
import java.util.List;

/**
 * One versioned step of a component's control-schema history. Statements run in order; write them so a
 * step interrupted half-way can run again (CREATE TABLE IF NOT EXISTS ...), since MySQL DDL is not transactional.
 * MySQL has no {@code ADD COLUMN IF NOT EXISTS}: a statement that fails because what it adds or drops is already
 * so (see {@link #alreadyApplied}) counts as done, so plain {@code ALTER TABLE ... ADD COLUMN/KEY} steps are
 * re-runnable on MySQL and MariaDB alike.
 */
public record Migration(int version, String description, List<String> statements) {
    public Migration {
        if (version < 1) {
            throw new IllegalArgumentException("migration versions start at 1");
        }
        statements = List.copyOf(statements);
    }

    public static Migration of(int version, String description, String... statements) {
        return new Migration(version, description, List.of(statements));
    }

    /**
     * Whether a statement failed only because its effect is already there: a duplicate column (1060), key (1061) or
     * table (1050), or a column or key to drop that is gone (1091).
     */
    public static boolean alreadyApplied(SQLException e) {
        return switch (e.getErrorCode()) {
            case 1050, 1060, 1061, 1091 -> true;
            default -> false;
        };
    }
}
