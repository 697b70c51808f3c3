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

/** The control schema on MySQL/MariaDB through Connector/J and a HikariCP pool. */
@Component(service = ControlStore.class, configurationPid = MysqlControlStore.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
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

        @AttributeDefinition(description = "How long a caller waits for a pooled connection, ms")
        long connectionTimeoutMillis() default 5000;

        @AttributeDefinition(description = "How long start-up waits for the server to answer, ms")
        long startupWaitMillis() default 30000;
    }

    private final HikariDataSource pool;
    private final MigrationRunner migrations;
    private final String description;

    @Activate
    public MysqlControlStore(Config config) throws SQLException, InterruptedException {
        this.description = describe(config.url());
        this.pool = createPool(config);
        this.migrations = new MigrationRunner(pool);
        awaitServer(config.startupWaitMillis());
        migrate("core", List.of(ControlVersions.MIGRATION));
        LOG.info("control store ready at {}", description);
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

    private void awaitServer(long waitMillis) throws SQLException, InterruptedException {
        long deadline = System.currentTimeMillis() + waitMillis;
        while (true) {
            try (Connection c = pool.getConnection()) {
                c.isValid(2);
                return;
            } catch (SQLException e) {
                if (System.currentTimeMillis() > deadline) {
                    pool.close();
                    throw new SQLException("control store at " + description + " did not answer within " + waitMillis + " ms", e);
                }
                Thread.sleep(500);
            }
        }
    }

    @Deactivate
    public void deactivate() {
        pool.close();
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
