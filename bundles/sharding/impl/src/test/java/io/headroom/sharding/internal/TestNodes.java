package io.headroom.sharding.internal;

import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import io.headroom.core.internal.fleet.JdbcFleet;
import io.headroom.fixtures.MariaDbServer;
import java.lang.annotation.Annotation;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What the tests that build nodes in one JVM share: a node's fleet membership settings, signals nobody reads, and a
 * shard server with its GTID replica.
 */
final class TestNodes {
    private TestNodes() {
    }

    /** Fleet membership of node {@code id}: a heartbeat every 500 ms, live for 5 s after the last one. */
    static JdbcFleet.Config fleetConfig(String id) {
        return new JdbcFleet.Config() {
            public String nodeId() {
                return id;
            }

            public long heartbeatMillis() {
                return 500;
            }

            public long liveMillis() {
                return 5000;
            }

            public Class<? extends Annotation> annotationType() {
                return JdbcFleet.Config.class;
            }
        };
    }

    /** Signals for a router whose outcomes no test looks at. */
    static Signals noSignals() {
        return new Signals() {
            @Override
            public void outcome(OutcomeEvent event) {
                // not looked at
            }

            @Override
            public void load(LoadSample sample) {
                // not looked at
            }
        };
    }

    /** A shard's primary and its GTID replica (two mariadbd processes), the database's {@code events} table on both. */
    record ReplicatedShard(MariaDbServer primary, MariaDbServer replica, String primaryUrl, String replicaUrl) implements AutoCloseable {
        @Override
        public void close() {
            replica.close();
            primary.close();
        }
    }

    /** Starts the pair in {@code dir} (server ids {@code serverId} and the next) with {@code database} and its table. */
    static ReplicatedShard replicatedShard(Path dir, int serverId, String database) throws Exception {
        MariaDbServer primary = MariaDbServer.start(dir.resolve("primary"), serverId);
        MariaDbServer replica;
        try {
            replica = MariaDbServer.start(dir.resolve("replica"), serverId + 1);
        } catch (RuntimeException e) {
            primary.close();
            throw e;
        }
        ReplicatedShard pair = new ReplicatedShard(primary, replica, primary.jdbcUrl(database),
                "jdbc:mysql://127.0.0.1:" + replica.port() + "/" + database + "?sslMode=DISABLED");
        try {
            replica.replicateFrom(primary);
            try (Connection c = DriverManager.getConnection(pair.primaryUrl(), "root", ""); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE events (tenant_id VARCHAR(63) NOT NULL, id BIGINT NOT NULL, PRIMARY KEY (tenant_id, id))");
            }
            long deadline = System.currentTimeMillis() + 10_000;
            while (!tableOn(pair.replicaUrl())) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("the table did not reach the replica");
                }
                Thread.sleep(50);
            }
            return pair;
        } catch (Exception e) {
            pair.close();
            throw e;
        }
    }

    private static boolean tableOn(String url) {
        try (Connection c = DriverManager.getConnection(url, "root", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM events")) {
            return rs.next();
        } catch (SQLException e) {
            return false;
        }
    }
}
