package io.headroom.search.api;

import java.util.Map;

/** One write of a batch: index {@code document} under {@code id} at {@code version}, or delete when the document is null. */
public record DocumentWrite(String id, long version, Map<String, Object> document) {
    public static DocumentWrite index(String id, long version, Map<String, Object> document) {
        return new DocumentWrite(id, version, document);
    }

    public static DocumentWrite delete(String id, long version) {
        return new DocumentWrite(id, version, null);
    }
}
