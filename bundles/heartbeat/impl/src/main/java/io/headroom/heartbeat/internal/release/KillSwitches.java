package io.headroom.heartbeat.internal.release;

import io.headroom.core.api.JobName;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.fleet.Lease;
import io.headroom.core.api.flags.FeatureFlags;
import io.headroom.core.api.flags.FlagChange;
import io.headroom.core.api.flags.FlagDefinition;
import io.headroom.heartbeat.api.Alert;
import io.headroom.heartbeat.api.Heartbeat;
import io.headroom.heartbeat.api.KillSwitch;
import io.headroom.heartbeat.api.ReleaseRefusedException;
import io.headroom.heartbeat.internal.store.ReleaseStore;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kill switches: defined on any node (checked, stored in the control schema) and acted on by the node that drives
 * releases. In action, on the node that drives releases: a firing page on a job a switch guards turns its flag
 * off for the paging tenant (deny list), or for everyone (0 %, allow list cleared) when the switch's scope is
 * {@code everyone} or the page is platform-wide. Each page acts once fleet-wide (claimed under the lease).
 */
final class KillSwitches {
    private static final Logger LOG = LoggerFactory.getLogger(KillSwitches.class);

    /** Where decisions are recorded: actor, action, target, outcome. */
    interface Record {
        void record(String actor, String action, String target, String outcome);
    }

    private final ReleaseStore store;
    private final Heartbeat heartbeat;
    private final FeatureFlags flags;
    private final Record audit;

    KillSwitches(ReleaseStore store, Heartbeat heartbeat, FeatureFlags flags, Record audit) {
        this.store = store;
        this.heartbeat = heartbeat;
        this.flags = flags;
        this.audit = audit;
    }

    KillSwitch put(KillSwitch k, String actor) {
        if (k.flag() == null) {
            throw new ReleaseRefusedException("name the flag", false);
        }
        try {
            JobName.of(k.flag());
            if (k.jobs() == null || k.jobs().isEmpty() || k.jobs().size() > 50) {
                throw new ReleaseRefusedException("name 1 to 50 jobs the flag guards", false);
            }
            k.jobs().forEach(JobName::of);
        } catch (IllegalArgumentException e) {
            throw new ReleaseRefusedException(e.getMessage(), false);
        }
        String scope = k.scope() == null ? KillSwitch.TENANT : k.scope();
        if (!scope.equals(KillSwitch.TENANT) && !scope.equals(KillSwitch.EVERYONE)) {
            throw new ReleaseRefusedException("scope is tenant or everyone", false);
        }
        try {
            store.putKillSwitch(new KillSwitch(k.flag(), List.copyOf(new TreeSet<>(k.jobs())), scope, null, ""));
            audit.record(actor, "flag:kill-switch-set", k.flag(), "guards " + k.jobs() + " for " + scope);
            return store.killSwitches().stream().filter(x -> x.flag().equals(k.flag())).findFirst().orElseThrow();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store the kill switch: " + e.getMessage(), e);
        }
    }

    List<KillSwitch> list() {
        try {
            return store.killSwitches();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read kill switches: " + e.getMessage(), e);
        }
    }

    boolean delete(String flag, String actor) {
        try {
            boolean gone = store.deleteKillSwitch(flag);
            if (gone) {
                audit.record(actor, "flag:kill-switch-delete", flag, "deleted");
            }
            return gone;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot delete the kill switch: " + e.getMessage(), e);
        }
    }

    void act(Lease lease) throws SQLException {
        List<KillSwitch> switches = store.killSwitches();
        if (switches.isEmpty()) {
            return;
        }
        List<Alert> pages = heartbeat.alerts(500).stream().filter(a -> a.firing() && Alert.PAGE.equals(a.severity())).toList();
        for (KillSwitch k : switches) {
            for (Alert a : pages) {
                if (!k.jobs().contains(a.job())) {
                    continue;
                }
                boolean everyone = a.tenant() == null || KillSwitch.EVERYONE.equals(k.scope());
                String reason = "page " + a.rule() + " on job " + a.job() + " for "
                        + (a.tenant() == null ? "the platform" : "tenant " + a.tenant()) + ": flag " + k.flag()
                        + " switched off for " + (everyone ? "everyone" : "tenant " + a.tenant());
                if (!store.killFired(k.flag(), a.id(), reason, lease)) {
                    continue;
                }
                if (everyone) {
                    FlagDefinition f = flags.get(k.flag()).orElse(null);
                    flags.apply(k.flag(), new FlagChange(null, 0.0, null, f == null ? null : f.allowed(), null));
                } else {
                    flags.deny(k.flag(), Set.of(TenantId.of(a.tenant())));
                }
                LOG.warn("kill switch: {}", reason);
                audit.record("heartbeat", "flag:kill-switch", k.flag(), reason);
            }
        }
    }

}
