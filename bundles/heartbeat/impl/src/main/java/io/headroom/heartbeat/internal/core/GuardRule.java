package io.headroom.heartbeat.internal.core;

import io.headroom.heartbeat.api.Alert;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * When the deploy guard rolls a change back. Only firing pages for a job the change declares, fired since the change
 * went live, count; and of those, a rollback needs one of:
 * <ul>
 *   <li>a platform-wide page (the fleet's counts of that job burn their budget);</li>
 *   <li>pages for at least {@code tenantQuorum} distinct tenants (the change breaks many customers);</li>
 *   <li>a page for a tenant operators marked critical (a change that breaks only the largest customer still goes).</li>
 * </ul>
 * One ordinary tenant's failures alone never roll a change back: that tenant's page is theirs to look at, and a
 * tenant must not be able to undo the platform's releases by failing its own jobs.
 *
 * @param tenantQuorum    distinct paging tenants that roll back (at least 1)
 * @param criticalTenants tenants whose page alone rolls back
 */
public record GuardRule(int tenantQuorum, Set<String> criticalTenants) {
    public GuardRule {
        tenantQuorum = Math.max(1, tenantQuorum);
        criticalTenants = Set.copyOf(criticalTenants);
    }

    /** The reason to roll back, naming the page(s) that decided, or empty to keep the change. */
    public Optional<String> rollbackCause(List<Alert> alerts, Collection<String> jobs, Instant liveSince) {
        // alerts are stamped to the minute of the evaluation that fired them
        Instant since = liveSince.truncatedTo(ChronoUnit.MINUTES);
        List<Alert> pages = alerts.stream()
                .filter(a -> a.firing() && Alert.PAGE.equals(a.severity()) && jobs.contains(a.job())
                        && !Instant.parse(a.firedAt()).isBefore(since))
                .toList();
        for (Alert a : pages) {
            if (a.tenant() == null) {
                return Optional.of("platform-wide page " + a.rule() + " on job " + a.job() + burn(a));
            }
        }
        for (Alert a : pages) {
            if (criticalTenants.contains(a.tenant())) {
                return Optional.of("page " + a.rule() + " on job " + a.job() + " for critical tenant " + a.tenant() + burn(a));
            }
        }
        Set<String> tenants = new TreeSet<>();
        pages.forEach(a -> tenants.add(a.tenant()));
        if (tenants.size() >= tenantQuorum) {
            return Optional.of("pages on jobs " + new TreeSet<>(pages.stream().map(Alert::job).toList()) + " for "
                    + tenants.size() + " tenants " + tenants + " (quorum " + tenantQuorum + ")");
        }
        return Optional.empty();
    }

    private static String burn(Alert a) {
        return String.format(" (burn %.1fx/%.1fx)", a.longBurn(), a.shortBurn());
    }
}
