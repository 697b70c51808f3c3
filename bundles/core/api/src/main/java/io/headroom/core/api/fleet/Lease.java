package io.headroom.core.api.fleet;

import java.sql.Connection;
import java.sql.SQLException;
import org.osgi.annotation.versioning.ProviderType;

/** A lease this node holds; see {@link Leases} for the safety rule. Close it to release it at once. */
@ProviderType
public interface Lease extends AutoCloseable {

    String name();

    /** Incremented each time the lease changes hands: a fencing token for writes made under it. */
    long epoch();

    /**
     * True while this node is sure nobody else holds the lease. False for good once a renewal was refused or the
     * local deadline passed without one (the control schema unreachable): stop the work and acquire again later.
     */
    boolean held();

    /**
     * Inside a transaction on the control schema: locks the lease's row until the transaction ends (so it cannot
     * change hands meanwhile) and throws {@link LeaseLostException} unless this holder still has it unexpired.
     */
    void verify(Connection transaction) throws SQLException;

    /** Releases the lease (another node may take it at once); renewals stop. Never throws. */
    @Override
    void close();
}
