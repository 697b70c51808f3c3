package io.headroom.sharding.internal.engine;

import com.mysql.cj.jdbc.MysqlDataSource;
import io.headroom.core.api.fleet.Lease;
import io.headroom.core.api.fleet.LeasedRunner;
import io.headroom.sharding.internal.ShardMap;
import io.headroom.sharding.internal.core.Gtid;
import io.headroom.sharding.internal.core.SwitchoverState;
import io.headroom.sharding.internal.store.SwitchoverStore;
import io.headroom.sharding.internal.store.TopologyStore;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one switchover (or failover) through its states while this node holds its lease, reading the record at every
 * step so a runner started on another node after this one died continues: before the promotion it rolls back once the
 * budget is spent (the old primary writable again, the fence lifted), after it it finishes. Each step is idempotent.
 */
public final class SwitchoverRunner extends LeasedRunner {
    private static final Logger LOG = LoggerFactory.getLogger(SwitchoverRunner.class);

    private final ShardMap map;
    private final SwitchoverStore store;
    private final long id;

    public SwitchoverRunner(ShardMap map, SwitchoverStore store, Lease lease, long id) {
        super(lease, "headroom-switchover-" + id);
        this.map = map;
        this.store = store;
        this.id = id;
    }

    @Override
    protected void work() {
        int failures = 0;
        while (!halted()) {
            SwitchoverStore.Record r = null;
            try {
                r = store.load(id);
                if (r.state().terminal()) {
                    return;
                }
                switch (r.state()) {
                    case FENCING -> fence(r);
                    case CATCHING_UP -> catchUp(r);
                    case PROMOTING -> promote(r);
                    default -> {
                        return;
                    }
                }
                failures = 0;
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                if (halted()) {
                    return;
                }
                failures++;
                LOG.warn("sharding: switchover {} step failed ({} in a row): {}", id, failures, e.toString());
                try {
                    if (r != null && r.state().reversible() && (failures >= 3 || store.overBudget(id))) {
                        rollBack(r, e.getMessage());
                        continue;
                    }
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    return;
                } catch (Exception x) {
                    LOG.warn("sharding: switchover {} cannot roll back yet: {}", id, x.toString());
                }
            }
        }
    }

    /** Every live node holds the shard's statements and drained what it admitted; then the old primary goes read-only. */
    private void fence(SwitchoverStore.Record r) throws Exception {
        map.reload();
        long version = map.routingVersionNow();
        while (true) {
            try {
                map.awaitVersionSeen(version);
                break;
            } catch (IllegalStateException notYet) {
                if (store.overBudget(id)) {
                    rollBack(r, notYet.getMessage());
                    return;
                }
            }
        }
        for (String shard : r.shards()) {
            while (map.inFlightOn(shard)) {
                Thread.sleep(2);
            }
        }
        if (store.overBudget(id)) {
            rollBack(r, "the nodes did not drain the shard's statements within the budget");
            return;
        }
        String gtid;
        try (Connection c = connect(r.fromUrl()); Statement s = c.createStatement()) {
            s.execute("SET GLOBAL read_only = 1");
            gtid = single(s, "SELECT @@gtid_binlog_pos");
        }
        store.transition(id, SwitchoverState.FENCING, SwitchoverState.CATCHING_UP, gtid, null, lease);
        LOG.info("sharding: switchover {}: fence acknowledged and old primary read-only at GTID {} {} ms after it began", id, gtid,
                System.currentTimeMillis() - r.startedMillis());
    }

    /** Waits in short slices until the replica applied the old primary's last GTID, or the budget is spent. */
    private void catchUp(SwitchoverStore.Record r) throws Exception {
        try (Connection c = connect(r.toUrl()); Statement s = c.createStatement()) {
            while (!halted()) {
                String reached = single(s, "SELECT MASTER_GTID_WAIT('" + r.gtid().replace("'", "") + "', 0.2)");
                if ("0".equals(reached)) {
                    store.transition(id, SwitchoverState.CATCHING_UP, SwitchoverState.PROMOTING, null, null, lease);
                    LOG.info("sharding: switchover {}: replica caught up {} ms after it began", id, System.currentTimeMillis() - r.startedMillis());
                    return;
                }
                if (store.overBudget(id)) {
                    String at = single(s, "SELECT @@gtid_current_pos");
                    rollBack(r, "the replica did not apply the primary's last transaction " + r.gtid() + " within the budget (at " + at + ")");
                    return;
                }
            }
        }
    }

    /** Promotes the replica, points the old primary (planned) and the other replicas at it, then flips routing. */
    private void promote(SwitchoverStore.Record r) throws Exception {
        String newGtid;
        try (Connection c = connect(r.toUrl()); Statement s = c.createStatement()) {
            s.execute("STOP SLAVE");
            s.execute("RESET SLAVE ALL");
            s.execute("SET GLOBAL read_only = 0");
            newGtid = single(s, "SELECT @@gtid_current_pos");
        }
        ServerAddress primary = ServerAddress.of(r.toUrl());
        List<String> followers = new java.util.ArrayList<>(map.topology().replicasOf(r.shard()));
        followers.remove(r.toUrl());
        if (!r.failover()) {
            followers.add(r.fromUrl());
        }
        StringBuilder notes = new StringBuilder();
        for (String f : followers) {
            try (Connection c = connect(f); Statement s = c.createStatement()) {
                s.execute("STOP SLAVE");
                s.execute("SET GLOBAL read_only = 1");
                s.execute("CHANGE MASTER TO MASTER_HOST = " + quote(primary.host()) + ", MASTER_PORT = " + primary.port()
                        + ", MASTER_USER = " + quote(map.settings().user()) + ", MASTER_PASSWORD = " + quote(map.settings().password())
                        + ", MASTER_CONNECT_RETRY = 1, MASTER_USE_GTID = current_pos");
                s.execute("START SLAVE");
            } catch (SQLException e) {
                notes.append("; ").append(f).append(" not re-pointed: ").append(e.getMessage());
            }
        }
        String detail = (r.failover() ? "failed over to " : "switched over to ") + r.toUrl() + " at GTID " + newGtid
                + (r.members().size() > 1 ? " (with " + String.join(", ", r.shards().subList(1, r.members().size())) + ", on the same server)" : "")
                + (r.failover() ? failoverNote(r, newGtid) : "; " + r.fromUrl() + " replicates from it") + notes;
        map.store().change(lease, c -> {
            for (SwitchoverStore.Member m : r.members()) {
                TopologyStore.primary(c, m.shard(), m.toUrl());
                TopologyStore.forgetReplica(c, m.shard(), m.toUrl());
                TopologyStore.replica(c, m.shard(), m.fromUrl(), r.failover() ? TopologyStore.FENCED : TopologyStore.REPLICA);
            }
            TopologyStore.unfenceShard(c, id);
            SwitchoverStore.transition(c, id, SwitchoverState.PROMOTING, SwitchoverState.DONE, r.failover() ? newGtid : null, detail);
        });
        map.reload();
        LOG.info("sharding: shard {} {} ({} ms after it began)", r.shard(), detail, System.currentTimeMillis() - r.startedMillis());
    }

    /** What a failover may have lost: the dead primary's transactions that no replica applied cannot be known until it returns. */
    private String failoverNote(SwitchoverStore.Record r, String newGtid) {
        return "; " + r.fromUrl() + " is fenced (never routed to again, made read-only when it answers); transactions it committed after "
                + newGtid + " that no replica received are reported here as a GTID gap when it returns"
                + " (none can be lost with semi-synchronous replication on)";
    }

    private void rollBack(SwitchoverStore.Record r, String reason) throws Exception {
        try (Connection c = connect(r.fromUrl()); Statement s = c.createStatement()) {
            s.execute("SET GLOBAL read_only = 0");
        }
        r.shards().forEach(map::discardPrepared);
        SwitchoverState from = store.load(id).state();
        map.store().change(lease, c -> {
            TopologyStore.unfenceShard(c, id);
            SwitchoverStore.transition(c, id, from, SwitchoverState.ROLLED_BACK, null, "rolled back: " + reason);
        });
        map.reload();
        LOG.warn("sharding: switchover {} of shard {} rolled back: {}", id, r.shard(), reason);
    }

    /** A connection of its own to one server (not a pool: the server's role is changing). */
    public static Connection connect(ShardMap map, String url) throws SQLException {
        MysqlDataSource ds = new MysqlDataSource();
        ds.setUrl(url);
        ds.setUser(map.settings().user());
        ds.setPassword(map.settings().password());
        ds.setConnectTimeout(2000);
        ds.setSocketTimeout(30_000);
        return ds.getConnection();
    }

    private Connection connect(String url) throws SQLException {
        return connect(map, url);
    }

    /** The GTID position a server has applied ({@code @@gtid_current_pos}). */
    public static Gtid position(ShardMap map, String url) throws SQLException {
        try (Connection c = connect(map, url); Statement s = c.createStatement()) {
            return Gtid.parse(single(s, "SELECT @@gtid_current_pos"));
        }
    }

    static String single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String quote(String v) {
        return "'" + v.replace("\\", "\\\\").replace("'", "''") + "'";
    }
}
