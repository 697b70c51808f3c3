package io.headroom.heartbeat.internal.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.headroom.heartbeat.api.Alert;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.Test;

public class GuardRuleTest {
    private static final Instant LIVE = Instant.parse("2026-01-01T10:00:30Z");
    private static final List<String> JOBS = List.of("example.greet");
    private final GuardRule rule = new GuardRule(3, Set.of("bigco"));

    private static Alert page(String tenant, String job, String firedAt) {
        return new Alert(1, tenant, job, Alert.PAGE, "fast", 20, 25, firedAt, null);
    }

    @Test
    public void aPlatformWidePageOnADeclaredJobRollsBack() {
        Optional<String> cause = rule.rollbackCause(List.of(page(null, "example.greet", "2026-01-01T10:01:00Z")), JOBS, LIVE);
        assertTrue(cause.orElseThrow().contains("platform-wide"));
    }

    @Test
    public void oneOrdinaryTenantsPagesNeverRollBack() {
        List<Alert> alerts = List.of(page("acme", "example.greet", "2026-01-01T10:01:00Z"),
                page("acme", "example.greet", "2026-01-01T10:02:00Z"));
        assertEquals(Optional.empty(), rule.rollbackCause(alerts, JOBS, LIVE));
    }

    @Test
    public void aQuorumOfTenantsRollsBack() {
        List<Alert> two = List.of(page("a", "example.greet", "2026-01-01T10:01:00Z"), page("b", "example.greet", "2026-01-01T10:01:00Z"));
        assertEquals(Optional.empty(), rule.rollbackCause(two, JOBS, LIVE));
        List<Alert> three = List.of(two.get(0), two.get(1), page("c", "example.greet", "2026-01-01T10:01:00Z"));
        assertTrue(rule.rollbackCause(three, JOBS, LIVE).orElseThrow().contains("3 tenants"));
    }

    @Test
    public void aCriticalTenantsPageAloneRollsBack() {
        assertTrue(rule.rollbackCause(List.of(page("bigco", "example.greet", "2026-01-01T10:01:00Z")), JOBS, LIVE)
                .orElseThrow().contains("critical tenant bigco"));
    }

    @Test
    public void pagesOnOtherJobsBeforeTheChangeTicketsAndResolvedAlertsDoNotCount() {
        List<Alert> alerts = List.of(page(null, "other.job", "2026-01-01T10:01:00Z"),
                page(null, "example.greet", "2026-01-01T09:59:00Z"),
                new Alert(2, null, "example.greet", Alert.TICKET, "slow", 2, 2, "2026-01-01T10:01:00Z", null),
                new Alert(3, null, "example.greet", Alert.PAGE, "fast", 20, 20, "2026-01-01T10:01:00Z", "2026-01-01T10:02:00Z"));
        assertEquals(Optional.empty(), rule.rollbackCause(alerts, JOBS, LIVE));
        // fired in the minute the change went live: alerts are stamped to the minute
        assertTrue(rule.rollbackCause(List.of(page(null, "example.greet", "2026-01-01T10:00:00Z")), JOBS, LIVE).isPresent());
    }
}
