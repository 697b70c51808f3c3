package io.headroom.core.api.fleet;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Named leases in the control schema: at most one holder per name at any time, renewed in the background while
 * held, taken over by another node once the holder stops renewing (it died, or lost the control schema).
 *
 * <p>Safety rule: a holder learns it may have lost a lease <em>before</em> anybody else can take it.
 * {@link Lease#held()} turns false at a local deadline computed from the moment a renewal was sent (not answered),
 * shortened by a margin for clock drift, while another node can only take the lease once the control schema's
 * own clock has passed the expiry that renewal wrote. Work that checks {@code held()} between steps, and writes its
 * progress in a transaction that calls {@link Lease#verify}, is therefore never done by two nodes at once.
 */
@ProviderType
public interface Leases {

    /**
     * Takes the lease if nobody holds it (never taken, released, or expired). Empty when another holder has it,
     * this node included (a second {@code tryAcquire} of a held name is refused, so two runners inside one node
     * cannot share a lease either), or when the control schema cannot be reached.
     *
     * @param name what the lease guards, e.g. {@code sharding.move.42}; at most 190 characters
     * @param ttl  how long the lease outlives its last renewal; renewals run every third of it
     */
    Optional<Lease> tryAcquire(String name, Duration ttl);

    /** Every lease whose name starts with {@code prefix}, held or not ({@link LeaseInfo#expired()} tells). */
    List<LeaseInfo> list(String prefix);
}
