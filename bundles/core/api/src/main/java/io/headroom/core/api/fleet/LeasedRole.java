package io.headroom.core.api.fleet;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A role that one node of the fleet plays at a time (the alert evaluator, the release driver, the failover watch, the
 * load spike watch), held through one named lease of {@link Leases}. The loop that does the role's work calls
 * {@link #hold()} at the start of every pass and does the pass only when it returns a lease: the lease this node
 * already holds, or one it took just now because nobody held it. A lease this node lost (a renewal refused or not
 * answered in time) is released and the listener told before another is tried, so the work restarts from the control
 * schema's state rather than from what this node saw while it held the role.
 *
 * <p>Not a service: each user builds one over the {@link Leases} service and closes it when it stops, which lets
 * another node take the role at once instead of after the lease's time to live.
 */
public final class LeasedRole implements AutoCloseable {

    /** What the role's owner does when the role changes hands on this node; both default to nothing. */
    public interface Listener {
        /**
         * This node has just taken the role. Load what the previous holder recorded here; an exception thrown here
         * releases the lease again and is passed on to the caller of {@link #hold()}.
         */
        default void taken(Lease lease) {
        }

        /** This node has lost the role (the lease is released already): forget what was seen while holding it. */
        default void lost(Lease lease) {
        }
    }

    private final Leases leases;
    private final String name;
    private final Duration ttl;
    private final Listener listener;
    private Lease lease;
    private boolean closed;

    /**
     * @param name the lease's name, e.g. {@code heartbeat.evaluator}
     * @param ttl  how long the lease outlives its holder's last renewal (see {@link Leases#tryAcquire})
     */
    public LeasedRole(Leases leases, String name, Duration ttl, Listener listener) {
        this.leases = Objects.requireNonNull(leases, "leases");
        this.name = Objects.requireNonNull(name, "name");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    public LeasedRole(Leases leases, String name, Duration ttl) {
        this(leases, name, ttl, new Listener() { });
    }

    public String name() {
        return name;
    }

    /**
     * The role's lease if this node holds it, taking it first if nobody does; empty when another node holds it, the
     * control schema cannot be reached, or the role was closed.
     */
    public synchronized Optional<Lease> hold() {
        if (closed) {
            return Optional.empty();
        }
        Lease l = lease;
        if (l != null && l.held()) {
            return Optional.of(l);
        }
        if (l != null) {
            lease = null;
            l.close();
            listener.lost(l);
        }
        Optional<Lease> taken = leases.tryAcquire(name, ttl);
        if (taken.isEmpty()) {
            return taken;
        }
        try {
            listener.taken(taken.get());
        } catch (RuntimeException e) {
            taken.get().close();
            throw e;
        }
        lease = taken.get();
        return taken;
    }

    /** The role's lease while this node still holds it, without trying to take it. */
    public synchronized Optional<Lease> held() {
        Lease l = lease;
        return l != null && l.held() ? Optional.of(l) : Optional.empty();
    }

    /** Releases the role if this node holds it; {@link #hold()} takes nothing afterwards. Never throws. */
    @Override
    public synchronized void close() {
        closed = true;
        Lease l = lease;
        lease = null;
        if (l != null) {
            l.close();
        }
    }
}
