package io.headroom.heartbeat.internal.core;

import io.headroom.heartbeat.api.JobHealth;
import io.headroom.heartbeat.api.Slo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Burn rates of one series against its SLO, and which rules hold. Low traffic is handled two ways: a rule needs at
 * least {@code minBadEvents} bad events in its long window (a handful of events cannot page), and a short window
 * is stretched back until it holds {@code minShortEvents} events (a quiet tenant that fails still pages, because its
 * short window is never empty).
 */
public final class Evaluation {
    /** A rule that holds, with the burn rates that made it hold. */
    public record Firing(BurnRule rule, double longBurn, double shortBurn) {
    }

    private Evaluation() {
    }

    public static List<Firing> firing(Series s, Slo slo, long nowMinute, List<BurnRule> rules, int minBadEvents, int minShortEvents) {
        List<Firing> out = new ArrayList<>();
        for (BurnRule r : rules) {
            long[] lw = window(s, nowMinute, r.longMinutes(), 0);
            if (lw[1] < minBadEvents) {
                continue;
            }
            long[] sw = window(s, nowMinute, r.shortMinutes(), minShortEvents);
            double longBurn = burn(lw, slo);
            double shortBurn = burn(sw, slo);
            if (longBurn > r.factor() && shortBurn > r.factor()) {
                out.add(new Firing(r, longBurn, shortBurn));
            }
        }
        return out;
    }

    /**
     * Whether a platform-wide rule's burn is spread over the tenants: at least {@code quorum} tenants, or one tenant of
     * {@code critical}, burn over the rule's factor in its long window themselves (at least one bad event each; the
     * low-traffic guard applies to the platform's sum, so many quiet tenants failing a little still count). One
     * tenant, however large, failing alone pages for that tenant only. Tenants whose events were counted
     * platform-wide only (beyond the series limit) cannot be told apart and do not count.
     */
    public static boolean spread(BurnRule rule, List<Map.Entry<String, Series>> tenants, Slo slo, long nowMinute,
            int quorum, Set<String> critical) {
        int burning = 0;
        for (Map.Entry<String, Series> t : tenants) {
            long[] lw = window(t.getValue(), nowMinute, rule.longMinutes(), 0);
            if (lw[1] > 0 && burn(lw, slo) > rule.factor()) {
                if (++burning >= quorum || critical.contains(t.getKey())) {
                    return true;
                }
            }
        }
        return false;
    }

    public static JobHealth health(String tenant, String job, Series s, Slo slo, long nowMinute, List<Firing> firing) {
        long[] h1 = s.lastMinutes(nowMinute, 60, 0);
        boolean paging = firing.stream().anyMatch(f -> f.rule().severity().equals("page"));
        return new JobHealth(tenant, job, h1[0], h1[1],
                burn(s.lastMinutes(nowMinute, 5, 0), slo), burn(h1, slo),
                burn(s.lastHours(nowMinute, 6, 0), slo), burn(s.lastHours(nowMinute, 72, 0), slo), paging);
    }

    static long[] window(Series s, long nowMinute, int minutes, int minEvents) {
        return minutes <= Series.MINUTES ? s.lastMinutes(nowMinute, minutes, minEvents)
                : s.lastHours(nowMinute, (minutes + 59) / 60, minEvents);
    }

    /** Bad share over budget; NaN without an SLO or without events. */
    static double burn(long[] totalBad, Slo slo) {
        if (slo == null || totalBad[0] == 0) {
            return Double.NaN;
        }
        return ((double) totalBad[1] / totalBad[0]) / slo.budget();
    }
}
