package io.headroom.search.api;

import java.util.List;

/** A collection: its current layout (read and written), the layout's spec and index names, and the tenants it has. */
public record CollectionInfo(String name, int layout, LayoutSpec spec, List<String> indexes, long tenants) {
    public CollectionInfo {
        indexes = List.copyOf(indexes);
    }
}
