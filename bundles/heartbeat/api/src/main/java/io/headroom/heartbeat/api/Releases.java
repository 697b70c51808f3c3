package io.headroom.heartbeat.api;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Releases across the fleet. The control schema holds the fleet's desired state (each released bundle at a version,
 * from an uploaded artifact or a Maven location every node can reach, and each released Karaf feature, named
 * {@code feature:<name>}, at a version from a features repository every node can reach); every node reconciles to it
 * and reports what it runs. A release moves one bundle to a new version canary first, then step by step, watched between steps by the
 * deploy guard's rule fleet-wide, and rolls back on every node on a page. One release at a time per bundle.
 */
@ProviderType
public interface Releases {

    /**
     * Keeps an uploaded bundle jar so every node installs the same bytes. Refused ({@link ReleaseRefusedException},
     * nothing stored) when its SHA-256 is not {@code sha256} or it is not a bundle.
     */
    Artifact upload(byte[] jar, String sha256);

    List<Artifact> artifacts();

    /**
     * Deletes an uploaded artifact; false when there is none with that checksum. Refused with {@code conflict} while a
     * release or the fleet's desired state names it.
     */
    boolean deleteArtifact(String sha256, String actor);

    /** Starts a release; refused with {@code conflict} when one is active for the bundle. */
    Release start(ReleaseRequest request, String actor);

    /** Holds the current step (the guard still watches). */
    Release pause(long id, String actor);

    Release resume(long id, String actor);

    /** Goes to the whole fleet now (the last step, still watched). */
    Release promote(long id, String actor);

    /** Rolls back on every node to the version that ran before. */
    Release abort(long id, String actor);

    Optional<Release> release(long id);

    /** Releases, newest first. */
    List<Release> releases(int limit);

    /** The desired state of the fleet and what each node reports it runs. */
    FleetState fleetState();

    /** Delivery figures per bundle over the last {@code window}. */
    List<DeliveryFigures> figures(Duration window);

    /** Makes a flag a kill switch for jobs: a page on one of them switches it off (for the tenant, or everyone). */
    KillSwitch putKillSwitch(KillSwitch killSwitch, String actor);

    List<KillSwitch> killSwitches();

    boolean deleteKillSwitch(String flag, String actor);
}
