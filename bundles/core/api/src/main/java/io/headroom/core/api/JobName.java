package io.headroom.core.api;

import java.util.regex.Pattern;

/**
 * The name of a job customers come to do ({@code conversation.create}, {@code queue.invoice.render}): 1 to
 * {@value #MAX_LENGTH} characters of lower-case letters, digits, {@code .}, {@code -} and {@code _}, starting with a
 * letter or a digit. Queue job types, feature flag names and heartbeat SLO names are all job names, so a name that
 * one capability accepts is never refused by another. A capability that builds names from a prefix (the queue
 * reports {@code queue.<type>}) bounds its own part with {@link #of(String, String, int)} so the whole stays a job name.
 */
public record JobName(String value) implements Comparable<JobName> {
    public static final int MAX_LENGTH = 100;
    private static final Pattern FORMAT = Pattern.compile("[a-z0-9][a-z0-9._-]*");

    public JobName {
        check(value, "job name", MAX_LENGTH);
    }

    /** Parses a job name, rejecting anything outside the documented format. */
    public static JobName of(String value) {
        return new JobName(value);
    }

    /**
     * Parses a job name that is at most {@code maxLength} characters long (at most {@link #MAX_LENGTH}); {@code kind}
     * names it in the error ("job type", "flag name"), so the message says what was wrong with what.
     */
    public static JobName of(String value, String kind, int maxLength) {
        if (maxLength < 1 || maxLength > MAX_LENGTH) {
            throw new IllegalArgumentException("a job name is at most " + MAX_LENGTH + " characters, not " + maxLength);
        }
        check(value, kind, maxLength);
        return new JobName(value);
    }

    /** Same as {@link #of(String)}; the name JAX-RS looks for when converting parameters. */
    public static JobName valueOf(String value) {
        return of(value);
    }

    public static boolean isValid(String value) {
        return isValid(value, MAX_LENGTH);
    }

    public static boolean isValid(String value, int maxLength) {
        return value != null && !value.isEmpty() && value.length() <= maxLength && FORMAT.matcher(value).matches();
    }

    private static void check(String value, String kind, int maxLength) {
        if (value == null || value.isEmpty()) {
            throw new InvalidJobNameException(kind + " is missing");
        }
        if (!isValid(value, maxLength)) {
            String shown = value.length() > maxLength + 2 ? value.substring(0, maxLength) + "..." : value;
            throw new InvalidJobNameException("invalid " + kind + " '" + shown + "': use 1-" + maxLength
                    + " characters of a-z, 0-9, '.', '-' or '_', starting with a letter or digit");
        }
    }

    @Override
    public int compareTo(JobName other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
