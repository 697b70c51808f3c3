package io.headroom.queue.internal;

import io.headroom.queue.api.Delivery;
import io.headroom.queue.api.RemoteType;
import io.headroom.queue.internal.core.StandardWebhooks;
import io.headroom.queue.internal.store.TypeStore;
import java.sql.SQLException;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The remote job types (pull and push) as this node last read them from the control schema, where operators declare
 * them; the same on every node within one refresh interval. A push type's secret is kept for delivery only.
 */
final class RemoteTypes {
    private final TypeStore store;
    private volatile Map<String, TypeStore.Stored> types;

    RemoteTypes(DataSource db) throws SQLException {
        this.store = new TypeStore(db);
        this.types = store.load();
    }

    TypeStore.Stored get(String name) {
        return types.get(name);
    }

    boolean has(String name) {
        return types.containsKey(name);
    }

    Set<String> names() {
        return types.keySet();
    }

    Collection<TypeStore.Stored> all() {
        return types.values();
    }

    List<RemoteType> list() {
        return types.values().stream().map(TypeStore.Stored::type).sorted(Comparator.comparing(RemoteType::name)).toList();
    }

    /** Checks and stores a type (a push type needs a secret, given now or kept from before; a pull type has none). */
    void save(RemoteType type, String secret) {
        if (secret != null) {
            if (type.delivery() != Delivery.PUSH) {
                throw new IllegalArgumentException("'secret' is only for push types");
            }
            StandardWebhooks.key(secret);
        }
        TypeStore.Stored old = types.get(type.name());
        boolean hasSecret = secret != null || old != null && old.secret() != null;
        if (type.delivery() == Delivery.PUSH && !hasSecret) {
            throw new IllegalArgumentException("a push type needs a 'secret' (whsec_ and base64 of 24-64 random bytes)");
        }
        try {
            store.save(type, type.delivery() == Delivery.PUSH ? secret : null);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store the job type: " + e.getMessage(), e);
        }
    }

    boolean delete(String name) {
        try {
            return store.delete(name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot remove the job type: " + e.getMessage(), e);
        }
    }

    /** Reads the types again; true when the set of names changed. */
    boolean reload() throws SQLException {
        Map<String, TypeStore.Stored> now = store.load();
        boolean changed = !now.keySet().equals(types.keySet());
        types = now;
        return changed;
    }
}
