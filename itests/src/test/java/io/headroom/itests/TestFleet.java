package io.headroom.itests;

import static org.junit.Assume.assumeTrue;

import io.headroom.fixtures.Haproxy;
import io.headroom.fixtures.LocalFleet;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.MariaDbServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One fleet for the whole itest run: three distribution nodes on one control schema (and the run's Elasticsearch and
 * ElasticMQ) with HAProxy in front, booted by the first fleet test class that asks and stopped when the run ends.
 * Every fleet test class shares it (so each must leave the fleet as it found it: all nodes up). Intervals that decide
 * how soon something is seen fleet-wide are shortened here, not in the tests.
 */
final class TestFleet {
    static final int NODES = 3;
    /** The LLM gateway counts its per-minute limits in windows this long, so a limit test waits for a window, not a minute. */
    static final int LLM_LIMIT_WINDOW_SECONDS = 15;
    private static LocalFleet fleet;
    private static MariaDbServer controlDb;
    private static MariaDbServer controlReplica;

    private TestFleet() {
    }

    static synchronized LocalFleet get() throws Exception {
        assumeTrue("HAProxy is not installed (.ci/run installs it): fleet tests skipped", Haproxy.installed());
        if (fleet == null) {
            Path dir = Path.of("target", "fleet-" + ProcessHandle.current().pid()).toAbsolutePath();
            // the control schema on a server of the fleet's own, so a test can take it away and bring it back
            // stopped when the run ends from the moment they run, even if the fleet then fails to start
            controlDb = TestDatabases.mariaDbServer(dir.resolve("control-db"), 1);
            controlReplica = TestDatabases.mariaDbServer(dir.resolve("control-replica"), 2);
            controlReplica.replicateFrom(controlDb);
            String jdbc = controlDb.jdbcUrl("headroom");
            LocalFleet.Backends backends = new LocalFleet.Backends(jdbc, "root", "",
                    "http://127.0.0.1:" + TestDatabases.elasticMqPort(), TestDatabases.elasticsearch().endpoint());
            Map<String, Map<String, String>> config = Map.of(
                    "io.headroom.store", Map.of("failoverUrls", controlReplica.jdbcUrl("headroom")),
                    "io.headroom.fleet", Map.of("heartbeatMillis", "500", "liveMillis", "3000"),
                    "io.headroom.heartbeat", Map.of("flushSeconds", "1", "evaluateSeconds", "1", "evaluatorLeaseSeconds", "3"),
                    "io.headroom.heartbeat.releases", Map.of("reconcileMillis", "500", "driveMillis", "500", "driverLeaseSeconds", "3"),
                    // the queue's fleet view (noisy tenants, caps) and job types are read back within a fraction of a second
                    "io.headroom.queue.sqs", Map.of("fleetFlushMillis", "250", "refreshMillis", "500"),
                    "io.headroom.queue", Map.of("fleetFlushMillis", "250", "refreshMillis", "500"),
                    // schema changes, moves and backfills copy in small, paced chunks: long enough to kill the node
                    // running one midway
                    "io.headroom.sharding", Map.of("shardedTables", "orders", "schemaCopyChunkRows", "500",
                            "schemaCopyChunkPauseMillis", "100", "moveChunkRows", "500", "moveChunkPauseMillis", "100"),
                    "io.headroom.search", Map.of("backfillBatch", "100", "backfillDocsPerSecond", "300"),
                    "io.headroom.llm", Map.of("limitWindowSeconds", Integer.toString(LLM_LIMIT_WINDOW_SECONDS)));
            try {
                fleet = LocalFleet.start(dir, Path.of(System.getProperty("headroom.distribution")), backends,
                        List.of(LocalFleet.Ports.free(), LocalFleet.Ports.free(), LocalFleet.Ports.free()), config, null,
                        MariaDb.freePort());
            } catch (Exception | Error e) {
                stop(); // the control servers too: the next class's attempt starts them again on the same directories
                throw e;
            }
            TestDatabases.atEnd(TestFleet::stop);
        }
        return fleet;
    }

    /** Stops the fleet and its control database servers, if they run (the next {@link #get} starts them again). */
    static synchronized void stop() {
        if (fleet != null) {
            fleet.close();
            fleet = null;
        }
        if (controlDb != null) {
            controlDb.close();
            controlDb = null;
        }
        if (controlReplica != null) {
            controlReplica.close();
            controlReplica = null;
        }
    }

    /** The fleet's control database server (a process of its own: killed and restarted by outage tests). */
    static synchronized MariaDbServer controlDb() throws Exception {
        get();
        return controlDb;
    }

    /** The replica of the control database (the target of switchover tests, which switch back afterwards). */
    static synchronized MariaDbServer controlReplica() throws Exception {
        get();
        return controlReplica;
    }
}
