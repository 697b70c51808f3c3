package io.headroom.core.api.store;

import java.util.List;

/**
 * One versioned step of a component's control-schema history. Statements run in order; write them so a
 * step interrupted half-way can run again (CREATE TABLE IF NOT EXISTS ...), since MySQL DDL is not transactional.
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
}
