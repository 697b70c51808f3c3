package io.headroom.core.internal.store;

import com.mysql.cj.jdbc.MysqlDataSource;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.headroom.core.api.store.AppliedMigration;
import io.headroom.core.api.store.ControlStore;
import io.headroom.core.api.store.Migration;
import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.osgi.annotation.bundle.Capability;
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
 * The control schema on MySQL/MariaDB through Connector/J and a HikariCP pool, on whichever of the configured servers is
 * the primary (writable and not replicating): this node looks for it at start and again whenever the server it uses
 * becomes a replica or stops answering, so it follows a switchover by itself.
 *
 * <p>It is registered as the {@link ControlStore} service by hand, once a primary has answered and the core's
 * migrations ran, rather than by DS at activation: a node that starts while its control database is down waits and
 * keeps trying instead of failing (DS would not activate a failed component again), and everything that needs the
 * control schema starts after it. Once registered it stays registered through later outages: the pool reconnects by
 * itself when the database is back, caches keep serving reads, and writes fail with an error that the REST host
 * answers with 503 and Retry-After ({@link ControlStore#isUnreachable}).
 */
// registered by hand (see above), so the service capability that DS would declare is declared here
@Capability(namespace = "osgi.service", attribute = "objectClass:List<String>=\"io.headroom.core.api.store.ControlStore\"")
@Component(service = {}, configurationPid = MysqlControlStore.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = MysqlControlStore.Config.class)
public final class MysqlControlStore implements ControlStore {
    public static final String PID = "io.headroom.store";
    private static final Logger LOG = LoggerFactory.getLogger(MysqlControlStore.class);
    private static final long WATCH_MILLIS = 500;

    @ObjectClassDefinition(name = "Headroom control store", description = "The MySQL schema that holds platform state")
    public @interface Config {
        @AttributeDefinition(description = "Connector/J URL of the control schema (its primary server)")
        String url() default "jdbc:mysql://127.0.0.1:3306/headroom?createDatabaseIfNotExist=true&sslMode=DISABLED";

        @AttributeDefinition(description = "Connector/J URLs of replicas of the control schema that a switchover can promote (comma-separated)")
        String failoverUrls() default "";

        String user() default "root";

        @AttributeDefinition(type = AttributeType.PASSWORD)
        String password() default "";

        @AttributeDefinition(description = "User a demoted primary replicates from the new primary with (empty: user)")
        String replicationUser() default "";

        @AttributeDefinition(type = AttributeType.PASSWORD)
        String replicationPassword() default "";

        int maxPoolSize() default 10;

        @AttributeDefinition(description = "How long a caller waits for a pooled connection, ms (also how long a write waits before a 503 while the database is down)")
        long connectionTimeoutMillis() default 5000;

        @AttributeDefinition(description = "After this long without the database at start-up, say so in the log (and keep trying), ms")
        long startupWaitMillis() default 30000;
    }

    /** What a server is to the control schema now. */
    enum Role {
        PRIMARY, REPLICA, UNREACHABLE
    }

    private final Config config;
    private final List<String> urls;
    private final ControlPool pool;
    private final MigrationRunner migrations;
    private final Thread connector;
    private final ScheduledExecutorService watcher;
    private volatile String currentUrl;
    private volatile ServiceRegistration<ControlStore> registration;

    /** As DS starts it: connects in the background and registers the service once a primary answered. */
    @Activate
    public MysqlControlStore(BundleContext context, Config config) throws SQLException {
        this.config = config;
        this.urls = urls(config);
        this.currentUrl = urls.get(0);
        this.pool = new ControlPool(createPool(config, currentUrl));
        this.migrations = new MigrationRunner(pool);
        this.watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "headroom-control-watch");
            t.setDaemon(true);
            return t;
        });
        this.connector = new Thread(() -> connectAndRegister(context), "headroom-control-connect");
        connector.setDaemon(true);
        connector.start();
    }

    /** Connected at once (waiting up to startupWaitMillis), without a service registration: for tests and tools. */
    public MysqlControlStore(Config config) throws SQLException, InterruptedException {
        this.config = config;
        this.urls = urls(config);
        this.currentUrl = urls.get(0);
        this.pool = new ControlPool(createPool(config, currentUrl));
        this.migrations = new MigrationRunner(pool);
        this.watcher = null;
        this.connector = null;
        if (!awaitPrimary(config.startupWaitMillis())) {
            pool.current().close();
            throw new SQLException("control store at " + describe() + " did not answer within " + config.startupWaitMillis() + " ms");
        }
        migrate("core", ControlVersions.MIGRATIONS);
    }

    private static List<String> urls(Config config) {
        List<String> out = new ArrayList<>();
        out.add(config.url());
        Arrays.stream(config.failoverUrls().split(",")).map(String::trim).filter(u -> !u.isEmpty() && !out.contains(u)).forEach(out::add);
        return List.copyOf(out);
    }

    private void connectAndRegister(BundleContext context) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                if (!awaitPrimary(Long.MAX_VALUE)) {
                    return;
                }
                try {
                    migrate("core", ControlVersions.MIGRATIONS);
                    registration = context.registerService(ControlStore.class, this, null);
                    LOG.info("control store ready at {}", describe());
                    watcher.scheduleWithFixedDelay(this::followPrimaryQuietly, WATCH_MILLIS, WATCH_MILLIS, TimeUnit.MILLISECONDS);
                    return;
                } catch (RuntimeException e) {
                    LOG.warn("control store at {}: {}; trying again", describe(), e.getMessage());
                    Thread.sleep(1000);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until a primary answers (false when interrupted or out of time), backing off up to 5 s between tries. */
    private boolean awaitPrimary(long waitMillis) throws InterruptedException {
        long start = System.currentTimeMillis();
        long backoff = 250;
        boolean warned = false;
        while (true) {
            followPrimaryQuietly();
            if (role(pool.current()) == Role.PRIMARY) {
                if (warned) {
                    LOG.info("control store at {} answers again", describe());
                }
                return true;
            }
            long waited = System.currentTimeMillis() - start;
            if (waited > waitMillis) {
                return false;
            }
            if (!warned && waited > config.startupWaitMillis()) {
                LOG.warn("no primary of the control schema has answered for {} ms ({}); this node waits for one", waited, urls.stream()
                        .map(MysqlControlStore::describe).toList());
                warned = true;
            }
            Thread.sleep(backoff);
            backoff = Math.min(5000, backoff * 2);
        }
    }

    private void followPrimaryQuietly() {
        try {
            followPrimary();
        } catch (RuntimeException e) {
            LOG.debug("control store: looking for the primary failed: {}", e.getMessage());
        }
    }

    /**
     * Makes sure this node writes to the primary: when the server it uses is a replica now (a switchover demoted it)
     * or does not answer, and another configured server is the primary, its pool is put in front instead.
     */
    synchronized boolean followPrimary() {
        if (urls.size() == 1 || role(pool.current()) == Role.PRIMARY) {
            return false;
        }
        for (String url : urls) {
            if (url.equals(currentUrl) || probe(url) != Role.PRIMARY) {
                continue;
            }
            HikariDataSource previous = pool.swap(createPool(config, url));
            String from = currentUrl;
            currentUrl = url;
            LOG.warn("control store: {} is the primary now (was {}); this node writes there", describe(url), describe(from));
            previous.getHikariPoolMXBean().softEvictConnections();
            // borrowed connections finish on the old server (a replica: their writes fail); then it closes
            Executors.newSingleThreadScheduledExecutor().schedule(previous::close, 30, TimeUnit.SECONDS);
            return true;
        }
        return false;
    }

    /** The role of a server, asked through a pool. */
    static Role role(DataSource ds) {
        try (Connection c = ds.getConnection()) {
            return role(c);
        } catch (SQLException e) {
            return Role.UNREACHABLE;
        }
    }

    /** PRIMARY when writable and not replicating from another server. */
    static Role role(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT @@read_only")) {
                rs.next();
                if (rs.getInt(1) != 0) {
                    return Role.REPLICA;
                }
            }
            try (ResultSet rs = s.executeQuery("SHOW SLAVE STATUS")) {
                return rs.next() ? Role.REPLICA : Role.PRIMARY;
            } catch (SQLException e) {
                return Role.PRIMARY; // no privilege to ask: read_only is the word of this server
            }
        }
    }

    /** The role of a server at {@code url}, on a connection of its own. */
    Role probe(String url) {
        try (Connection c = plainDataSource(config, url, config.user(), config.password()).getConnection()) {
            return role(c);
        } catch (SQLException e) {
            return Role.UNREACHABLE;
        }
    }

    @Deactivate
    public void deactivate() {
        if (connector != null) {
            connector.interrupt();
        }
        if (watcher != null) {
            watcher.shutdownNow();
        }
        ServiceRegistration<ControlStore> r = registration;
        if (r != null) {
            try {
                r.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
        }
        pool.current().close();
    }

    static MysqlDataSource plainDataSource(Config config, String url, String user, String password) throws SQLException {
        MysqlDataSource mysql = new MysqlDataSource();
        mysql.setURL(url);
        mysql.setUser(user);
        mysql.setPassword(password);
        mysql.setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.connectionTimeoutMillis()));
        return mysql;
    }

    static HikariDataSource createPool(Config config, String url) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("headroom-control");
        try {
            hc.setDataSource(plainDataSource(config, url, config.user(), config.password()));
        } catch (SQLException e) {
            throw new IllegalArgumentException("bad control store URL " + describe(url) + ": " + e.getMessage(), e);
        }
        hc.setMaximumPoolSize(config.maxPoolSize());
        hc.setMinimumIdle(Math.min(2, config.maxPoolSize()));
        hc.setConnectionTimeout(config.connectionTimeoutMillis());
        // do not fail activation on a slow server here: awaitPrimary gives a clear message instead
        hc.setInitializationFailTimeout(-1);
        return new HikariDataSource(hc);
    }

    @Override
    public DataSource dataSource() {
        return pool;
    }

    ControlPool pool() {
        return pool;
    }

    Config config() {
        return config;
    }

    List<String> urls() {
        return urls;
    }

    String currentUrl() {
        return currentUrl;
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
        return describe(currentUrl);
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

    /** host:port of a JDBC URL: the name of a control server. */
    static String server(String url) {
        String d = describe(url);
        int slash = d.indexOf('/');
        return slash < 0 ? d : d.substring(0, slash);
    }
}
