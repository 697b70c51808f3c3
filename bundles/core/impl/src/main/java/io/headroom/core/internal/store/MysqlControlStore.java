package io.headroom.core.internal.store;

import com.mysql.cj.jdbc.MysqlDataSource;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.headroom.core.api.store.AppliedMigration;
import io.headroom.core.api.store.ControlStore;
import io.headroom.core.api.store.Migration;
import java.net.URI;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control schema on MySQL/MariaDB through Connector/J and a HikariCP pool.
 *
 * <p>It is registered as the {@link ControlStore} service by hand, once the database has answered and the core's
 * migrations ran, rather than by DS at activation: a node that starts while its control database is down waits and
 * keeps trying instead of failing (DS would not activate a failed component again), and everything that needs the
 * control schema starts after it. Once registered it stays registered through later outages: the pool reconnects by
 * itself when the database is back, caches keep serving reads, and writes fail with an error that the REST host
 * answers with 503 and Retry-After ({@link ControlStore#isUnreachable}).
 */
@Component(configurationPid = MysqlControlStore.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = MysqlControlStore.Config.class)
public final class MysqlControlStore implements ControlStore {
    public static final String PID = "io.headroom.store";
    private static final Logger LOG = LoggerFactory.getLogger(MysqlControlStore.class);

    @ObjectClassDefinition(name = "Headroom control store", description = "The MySQL schema that holds platform state")
    public @interface Config {
        @AttributeDefinition(description = "Connector/J URL of the control schema")
        String url() default "jdbc:mysql://127.0.0.1:3306/headroom?createDatabaseIfNotExist=true&sslMode=DISABLED";

        String user() default "root";

        @AttributeDefinition(type = AttributeType.PASSWORD)
        String password() default "";

        int maxPoolSize() default 10;

        @AttributeDefinition(description = "How long a caller waits for a pooled connection, ms (also how long a write waits before a 503 while the database is down)")
        long connectionTimeoutMillis() default 5000;

        @AttributeDefinition(description = "After this long without the database at start-up, say so in the log (and keep trying), ms")
        long startupWaitMillis() default 30000;
    }

    private final HikariDataSource pool;
    private final MigrationRunner migrations;
    private final String description;
    private final Thread connector;
    private volatile ServiceRegistration<ControlStore> registration;

    /** As DS starts it: connects in the background and registers the service once the database answered. */
    @Activate
    public MysqlControlStore(BundleContext context, Config config) throws SQLException {
        this.description = describe(config.url());
        this.pool = createPool(config);
        this.migrations = new MigrationRunner(pool);
        this.connector = new Thread(() -> connectAndRegister(context, config.startupWaitMillis()), "headroom-control-connect");
        connector.setDaemon(true);
        connector.start();
    }

    /** Connected at once (waiting up to startupWaitMillis), without a service registration: for tests and tools. */
    public MysqlControlStore(Config config) throws SQLException, InterruptedException {
        this.description = describe(config.url());
        this.pool = createPool(config);
        this.migrations = new MigrationRunner(pool);
        this.connector = null;
        if (!awaitServer(config.startupWaitMillis(), config.startupWaitMillis())) {
            pool.close();
            throw new SQLException("control store at " + description + " did not answer within " + config.startupWaitMillis() + " ms");
        }
        migrate("core", List.of(ControlVersions.MIGRATION));
    }

    private void connectAndRegister(BundleContext context, long warnAfterMillis) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                if (!awaitServer(Long.MAX_VALUE, warnAfterMillis)) {
                    return;
                }
                try {
                    migrate("core", List.of(ControlVersions.MIGRATION));
                    registration = context.registerService(ControlStore.class, this, null);
                    LOG.info("control store ready at {}", description);
                    return;
                } catch (RuntimeException e) {
                    LOG.warn("control store at {}: {}; trying again", description, e.getMessage());
                    Thread.sleep(1000);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until the server answers (false when interrupted or out of time), backing off up to 5 s between tries. */
    private boolean awaitServer(long waitMillis, long warnAfterMillis) throws InterruptedException {
        long start = System.currentTimeMillis();
        long backoff = 250;
        boolean warned = false;
        while (true) {
            try (Connection c = pool.getConnection()) {
                if (c.isValid(2)) {
                    if (warned) {
                        LOG.info("control store at {} answers again", description);
                    }
                    return true;
                }
            } catch (SQLException e) {
                long waited = System.currentTimeMillis() - start;
                if (waited > waitMillis) {
                    return false;
                }
                if (!warned && waited > warnAfterMillis) {
                    LOG.warn("control store at {} has not answered for {} ms; this node waits for it: {}", description, waited, e.getMessage());
                    warned = true;
                }
            }
            Thread.sleep(backoff);
            backoff = Math.min(5000, backoff * 2);
        }
    }

    @Deactivate
    public void deactivate() {
        if (connector != null) {
            connector.interrupt();
        }
        ServiceRegistration<ControlStore> r = registration;
        if (r != null) {
            try {
                r.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
        }
        pool.close();
    }

    static HikariDataSource createPool(Config config) throws SQLException {
        MysqlDataSource mysql = new MysqlDataSource();
        mysql.setURL(config.url());
        mysql.setUser(config.user());
        mysql.setPassword(config.password());
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("headroom-control");
        hc.setDataSource(mysql);
        hc.setMaximumPoolSize(config.maxPoolSize());
        hc.setMinimumIdle(Math.min(2, config.maxPoolSize()));
        hc.setConnectionTimeout(config.connectionTimeoutMillis());
        // do not fail activation on a slow server here: awaitServer gives a clear message instead
        hc.setInitializationFailTimeout(-1);
        return new HikariDataSource(hc);
    }

    @Override
    public DataSource dataSource() {
        return pool;
    }

    @Override
    public void migrate(String component, List<Migration> list) {
        try {
            List<Integer> applied = migrations.migrate(component, list);
            if (!applied.isEmpty()) {
                LOG.info("control schema: applied {} migrations {}", component, applied);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("control schema migration of " + component + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public List<AppliedMigration> appliedMigrations() {
        try {
            return migrations.applied();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the migration history: " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return description;
    }

    /** host:port/schema of a JDBC URL, without user info or parameters. */
    static String describe(String url) {
        try {
            URI u = URI.create(url.substring("jdbc:".length()));
            return u.getHost() + ":" + (u.getPort() < 0 ? 3306 : u.getPort()) + u.getPath();
        } catch (RuntimeException e) {
            return "(unparsable URL)";
        }
    }
}
