package io.headroom.core.internal.store;

import io.headroom.fixtures.MariaDb;
import java.lang.annotation.Annotation;
import java.util.UUID;
import org.junit.runner.Result;
import org.junit.runner.notification.RunListener;

/**
 * One real MariaDB for the unit tests of this module (the machine's, or an embedded one where there is none),
 * and a fresh schema per test so tests never see each other's state. Registered as a surefire run listener so an
 * embedded server is stopped when the run ends (surefire halts its fork; shutdown hooks would not run).
 */
public final class TestDatabase extends RunListener {
    private static MariaDb server;

    @Override
    public void testRunFinished(Result result) {
        synchronized (TestDatabase.class) {
            if (server != null) {
                server.close();
                server = null;
            }
        }
    }

    public static synchronized MariaDb server() {
        if (server == null) {
            server = MariaDb.machineOrEmbedded();
        }
        return server;
    }

    public static String newSchema() {
        return "hr_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** A control store on {@code schema}, as the DS component would be configured. */
    public static MysqlControlStore store(String schema) throws Exception {
        MariaDb db = server();
        return new MysqlControlStore(new MysqlControlStore.Config() {
            public String url() {
                return db.jdbcUrl(schema);
            }

            public String failoverUrls() {
                return "";
            }

            public String user() {
                return db.user();
            }

            public String replicationUser() {
                return "";
            }

            public String replicationPassword() {
                return "";
            }

            public String password() {
                return db.password();
            }

            public int maxPoolSize() {
                return 4;
            }

            public long connectionTimeoutMillis() {
                return 5000;
            }

            public long startupWaitMillis() {
                return 10000;
            }

            public Class<? extends Annotation> annotationType() {
                return MysqlControlStore.Config.class;
            }
        });
    }
}
