package io.headroom.core.internal.audit;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A point in time as operators type it: an ISO-8601 instant, or an age such as {@code 30m}, {@code 2h}, {@code 7d}. */
public final class Since {
    private static final Pattern AGE = Pattern.compile("(\\d{1,9})([smhd])");

    private Since() {
    }

    /** Null for null or blank; {@link IllegalArgumentException} naming the accepted forms for anything else. */
    public static Instant parse(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        Matcher m = AGE.matcher(value.strip());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration age = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return now.minus(age);
        }
        try {
            return Instant.parse(value.strip());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("since must be an ISO-8601 instant (2026-01-31T12:00:00Z) or an age such as"
                    + " 30m, 2h or 7d, not '" + value + "'");
        }
    }
}
