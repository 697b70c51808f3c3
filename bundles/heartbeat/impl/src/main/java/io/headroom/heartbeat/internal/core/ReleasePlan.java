package io.headroom.heartbeat.internal.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The steps of a release: how many nodes run the new version at each step. A step is a node count ({@code 1}) or a
 * share of the live fleet ({@code 50%}, rounded up, at least one node); the last step is always the whole fleet
 * ({@code 100%} is appended when missing). A canary of {@code n} nodes is a first step of {@code n}. Counts never go
 * down from one step to the next.
 */
public record ReleasePlan(List<String> steps) {
    public static final int MAX_STEPS = 20;

    public ReleasePlan {
        steps = List.copyOf(steps);
    }

    /** Parses {@code 1,50%,100%}; a canary count is put first. Throws IllegalArgumentException with what is wrong. */
    public static ReleasePlan parse(String steps, int canary) {
        List<String> out = new ArrayList<>();
        if (canary < 0 || canary > 1000) {
            throw new IllegalArgumentException("canary must be between 0 and 1000 nodes, not " + canary);
        }
        if (canary > 0) {
            out.add(String.valueOf(canary));
        }
        if (steps != null && !steps.isBlank()) {
            for (String s : steps.split(",")) {
                String step = s.trim();
                if (!step.matches("[0-9]{1,4}%?")) {
                    throw new IllegalArgumentException("a step is a node count (1) or a share of the fleet (50%), not '" + step + "'");
                }
                if (step.endsWith("%")) {
                    int pct = Integer.parseInt(step.substring(0, step.length() - 1));
                    if (pct < 1 || pct > 100) {
                        throw new IllegalArgumentException("a share of the fleet is between 1% and 100%, not " + step);
                    }
                } else if (Integer.parseInt(step) < 1) {
                    throw new IllegalArgumentException("a step has at least one node");
                }
                out.add(step);
            }
        }
        if (out.isEmpty() || !out.get(out.size() - 1).equals("100%")) {
            out.add("100%");
        }
        if (out.size() > MAX_STEPS) {
            throw new IllegalArgumentException("at most " + MAX_STEPS + " steps");
        }
        return new ReleasePlan(out);
    }

    /** Nodes that run the new version at {@code step} (0-based) on a fleet of {@code fleetSize} live nodes. */
    public int nodesAt(int step, int fleetSize) {
        int n = 0;
        for (int i = 0; i <= Math.min(step, steps.size() - 1); i++) {
            String s = steps.get(i);
            int here = s.endsWith("%")
                    ? (int) Math.ceil(fleetSize * Integer.parseInt(s.substring(0, s.length() - 1)) / 100.0)
                    : Integer.parseInt(s);
            n = Math.max(n, Math.max(1, here));
        }
        return Math.min(n, fleetSize);
    }

    public boolean last(int step) {
        return step >= steps.size() - 1;
    }

    /** A duration as operators write it: {@code 90s}, {@code 5m}, {@code 1h}, {@code 30d} (a bare number is seconds). */
    public static Duration parseDuration(String text) {
        if (text == null || !text.trim().matches("[0-9]{1,9}[smhd]?")) {
            throw new IllegalArgumentException("a duration is a number with s, m, h or d (90s, 5m, 1h), not '" + text + "'");
        }
        String t = text.trim();
        char unit = Character.isDigit(t.charAt(t.length() - 1)) ? 's' : t.charAt(t.length() - 1);
        long n = Long.parseLong(t.replaceAll("[smhd]$", ""));
        return switch (unit) {
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            case 'd' -> Duration.ofDays(n);
            default -> Duration.ofSeconds(n);
        };
    }

    @Override
    public String toString() {
        return String.join(",", steps);
    }
}
