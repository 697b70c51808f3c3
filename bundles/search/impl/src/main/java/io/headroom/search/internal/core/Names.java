package io.headroom.search.internal.core;

import java.util.regex.Pattern;

/** The formats of names that end up in index names and the control schema, checked before anything is written. */
public final class Names {
    private static final Pattern COLLECTION = Pattern.compile("[a-z][a-z0-9]{0,39}");
    public static final int MAX_ID = 512;

    private Names() {
    }

    public static String collection(String name) {
        if (name == null || !COLLECTION.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid collection name '" + name + "': use 1-40 characters of a-z and 0-9, starting with a letter");
        }
        return name;
    }

    public static String documentId(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_ID) {
            throw new IllegalArgumentException("a document id has 1-" + MAX_ID + " characters");
        }
        for (int i = 0; i < id.length(); i++) {
            if (Character.isISOControl(id.charAt(i))) {
                throw new IllegalArgumentException("a document id has no control characters");
            }
        }
        return id;
    }

    public static long version(long version) {
        if (version < 1) {
            throw new IllegalArgumentException("version must be 1 or more, not " + version);
        }
        return version;
    }
}
