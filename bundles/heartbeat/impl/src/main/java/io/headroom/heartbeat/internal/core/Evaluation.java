package io.headroom.heartbeat.internal.core;

import io.headroom.heartbeat.api.JobHealth;
import io.headroom.heartbeat.api.Slo;
import java.util.ArrayList;
import java.util.List;

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
