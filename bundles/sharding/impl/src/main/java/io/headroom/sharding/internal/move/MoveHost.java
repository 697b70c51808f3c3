package io.headroom.sharding.internal.move;

import io.headroom.sharding.internal.core.TenantFilter;
import io.headroom.sharding.internal.core.Topology;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;

/** What the move machinery needs from the router: the topology, the shards' pools and one routing transaction. */
public interface MoveHost {
    Topology topology();

    /** Re-reads the topology now. */
    void reload() throws SQLException;

    DataSource shard(String name);

    DataSource control();

    String user();

    String password();

    String tenantColumn();

    List<String> shardedTables();

    long refreshMillis();

    /** The routing version in the control schema now. */
    long routingVersionNow() throws SQLException;

    /** Waits until every live node serves {@code version} (and drained what it admitted before). */
    void awaitVersionSeen(long version) throws SQLException, InterruptedException;

    /** Whether any tenant the filter carries has a statement running on this node. */
    boolean inFlight(TenantFilter filter);

    /** Runs a control-schema change and bumps the routing version, in one transaction. */
    void change(Work work) throws SQLException;

    interface Work {
        void run(Connection c) throws SQLException;
    }
}
