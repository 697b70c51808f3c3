package io.headroom.core.internal.fleet;

import io.headroom.core.api.fleet.Fleet;
import io.headroom.core.api.fleet.FleetNode;
import io.headroom.core.api.store.ControlStore;
import io.headroom.core.api.store.Migration;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's record in {@code core_nodes}, refreshed every {@code heartbeatMillis}; the live nodes are those whose
 * record is younger than {@code liveMillis}. The node id is kept in the core bundle's data area, so a restarted node
 * is the same node (its per-node records continue) and a fresh Karaf home is a new one.
 */
@Component(service = Fleet.class, configurationPid = JdbcFleet.PID)
@Designate(ocd = JdbcFleet.Config.class)
public final class JdbcFleet implements Fleet {
    public static final String PID = "io.headroom.fleet";
    private static final Logger LOG = LoggerFactory.getLogger(JdbcFleet.class);
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    static final List<Migration> MIGRATIONS = List.of(Migration.of(1, "fleet nodes and leases",
            "CREATE TABLE IF NOT EXISTS core_nodes (node VARCHAR(64) NOT NULL PRIMARY KEY, host VARCHAR(255) NOT NULL,"
                    + " pid BIGINT NOT NULL, started_at TIMESTAMP(3) NOT NULL, seen_at TIMESTAMP(3) NOT NULL)"
                    + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS core_leases (name VARCHAR(190) NOT NULL PRIMARY KEY, node VARCHAR(64) NOT NULL,"
                    + " holder CHAR(32) NOT NULL, epoch BIGINT NOT NULL, acquired_at TIMESTAMP(3) NOT NULL,"
                    + " expires_at TIMESTAMP(3) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"));

    @ObjectClassDefinition(name = "Headroom fleet membership")
    public @interface Config {
        @AttributeDefinition(description = "This node's id (empty: generated once and kept in the node's data directory)")
        String nodeId() default "";

        @AttributeDefinition(description = "How often this node refreshes its record in the control schema, ms")
        long heartbeatMillis() default 1000;

        @AttributeDefinition(description = "A node whose record is older than this is considered gone, ms")
        long liveMillis() default 10000;
    }

    private final DataSource db;
    private final String nodeId;
    private final long liveMillis;
    private final ScheduledExecutorService beat;
    private volatile List<FleetNode> live = List.of();

    @Activate
    public JdbcFleet(@Reference ControlStore store, Config config, BundleContext context) {
        this(store, config, context == null ? null : context.getDataFile("node-id"));
    }

    JdbcFleet(ControlStore store, Config config, File idFile) {
        store.migrate("core.fleet", MIGRATIONS);
        this.db = store.dataSource();
        this.nodeId = config.nodeId().isBlank() ? storedId(idFile) : checkId(config.nodeId());
        this.liveMillis = config.liveMillis();
        this.beat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "headroom-fleet-heartbeat");
            t.setDaemon(true);
            return t;
        });
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "INSERT INTO core_nodes (node, host, pid, started_at, seen_at) VALUES (?, ?, ?, NOW(3), NOW(3))"
                        + " ON DUPLICATE KEY UPDATE host = VALUES(host), pid = VALUES(pid), started_at = NOW(3), seen_at = NOW(3)")) {
            p.setString(1, nodeId);
            p.setString(2, hostName());
            p.setLong(3, ProcessHandle.current().pid());
            p.executeUpdate();
        } catch (SQLException e) {
            LOG.warn("fleet: cannot record node {} yet: {}", nodeId, e.getMessage());
        }
        heartbeat();
        beat.scheduleWithFixedDelay(this::heartbeat, config.heartbeatMillis(), config.heartbeatMillis(), TimeUnit.MILLISECONDS);
        LOG.info("fleet: this node is {}", nodeId);
    }

    @Deactivate
    public void deactivate() {
        beat.shutdownNow();
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement("DELETE FROM core_nodes WHERE node = ?")) {
            p.setString(1, nodeId);
            p.executeUpdate();
        } catch (SQLException e) {
            LOG.debug("fleet: cannot remove node {}: {}", nodeId, e.getMessage());
        }
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public List<FleetNode> liveNodes() {
        return live;
    }

    private void heartbeat() {
        try (Connection c = db.getConnection()) {
            try (PreparedStatement p = c.prepareStatement("UPDATE core_nodes SET seen_at = NOW(3) WHERE node = ?")) {
                p.setString(1, nodeId);
                if (p.executeUpdate() == 0) { // removed by a clean stop of an earlier incarnation racing this one
                    try (PreparedStatement i = c.prepareStatement("INSERT IGNORE INTO core_nodes (node, host, pid, started_at, seen_at)"
                            + " VALUES (?, ?, ?, NOW(3), NOW(3))")) {
                        i.setString(1, nodeId);
                        i.setString(2, hostName());
                        i.setLong(3, ProcessHandle.current().pid());
                        i.executeUpdate();
                    }
                }
            }
            List<FleetNode> nodes = new ArrayList<>();
            try (PreparedStatement p = c.prepareStatement("SELECT node, host, pid, started_at, seen_at FROM core_nodes"
                    + " WHERE seen_at > NOW(3) - INTERVAL ? MICROSECOND ORDER BY node")) {
                p.setLong(1, liveMillis * 1000);
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        nodes.add(new FleetNode(rs.getString(1), rs.getString(2), rs.getLong(3),
                                rs.getTimestamp(4).toInstant(), rs.getTimestamp(5).toInstant()));
                    }
                }
            }
            live = List.copyOf(nodes);
        } catch (SQLException | RuntimeException e) {
            LOG.debug("fleet: heartbeat failed: {}", e.getMessage());
        }
    }

    private static String storedId(File file) {
        if (file == null) {
            return newId();
        }
        try {
            if (file.isFile()) {
                String id = Files.readString(file.toPath(), StandardCharsets.UTF_8).trim();
                if (NODE_ID.matcher(id).matches()) {
                    return id;
                }
            }
            String id = newId();
            Files.writeString(file.toPath(), id + "\n", StandardCharsets.UTF_8);
            return id;
        } catch (IOException e) {
            LOG.warn("fleet: cannot keep the node id in {}: {}", file, e.getMessage());
            return newId();
        }
    }

    private static String newId() {
        String host = hostName().replaceAll("[^A-Za-z0-9-]", "-");
        host = host.length() > 40 ? host.substring(0, 40) : host;
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String checkId(String id) {
        if (!NODE_ID.matcher(id).matches()) {
            throw new IllegalArgumentException("nodeId must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'");
        }
        return id;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "node";
        }
    }
}
