package io.headroom.search.internal.store;

import io.headroom.core.api.TenantId;
import io.headroom.search.api.OutboxEntry;
import io.headroom.core.api.store.Migration;
import io.headroom.search.api.LayoutSpec;
import io.headroom.search.internal.core.Layout;
import io.headroom.search.internal.core.MigrationState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/** The search capability's part of the control schema: collections, layouts, migrations, tenants, tombstones, outbox. */
public final class SearchStore {
    public static final List<Migration> MIGRATIONS = List.of(Migration.of(1, "search collections, layouts and migrations",
            "CREATE TABLE IF NOT EXISTS search_collection (name VARCHAR(40) NOT NULL PRIMARY KEY, current_layout INT NOT NULL,"
                    + " created_at DATETIME(6) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS search_layout (collection VARCHAR(40) NOT NULL, layout INT NOT NULL, partitions INT NOT NULL,"
                    + " dedicated TEXT NOT NULL, mappings MEDIUMTEXT NOT NULL, settings MEDIUMTEXT NOT NULL, state VARCHAR(16) NOT NULL,"
                    + " PRIMARY KEY (collection, layout)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS search_tenant (collection VARCHAR(40) NOT NULL, tenant VARCHAR(63) NOT NULL,"
                    + " PRIMARY KEY (collection, tenant)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS search_migration (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, collection VARCHAR(40) NOT NULL,"
                    + " source_layout INT NOT NULL, target_layout INT NOT NULL, state VARCHAR(16) NOT NULL, read_flag VARCHAR(128) NOT NULL,"
                    + " open_collection VARCHAR(40) NULL, dual_write_since DATETIME(6) NULL, lease_owner VARCHAR(64) NULL,"
                    + " lease_until DATETIME(6) NULL, created_at DATETIME(6) NOT NULL, updated_at DATETIME(6) NOT NULL,"
                    + " UNIQUE KEY search_migration_open (open_collection)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS search_migration_tenant (migration_id BIGINT NOT NULL, tenant VARCHAR(63) NOT NULL,"
                    + " backfill VARCHAR(16) NOT NULL, cursor_id VARCHAR(512) NULL, copied BIGINT NOT NULL DEFAULT 0,"
                    + " validation VARCHAR(16) NOT NULL DEFAULT 'NONE', source_count BIGINT NOT NULL DEFAULT 0,"
                    + " target_count BIGINT NOT NULL DEFAULT 0, source_hash VARCHAR(40) NULL, target_hash VARCHAR(40) NULL,"
                    + " detail VARCHAR(1000) NULL, updated_at DATETIME(6) NOT NULL, PRIMARY KEY (migration_id, tenant))"
                    + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS search_tombstone (collection VARCHAR(40) NOT NULL, tenant VARCHAR(63) NOT NULL,"
                    + " doc_id VARCHAR(512) NOT NULL, version BIGINT NOT NULL, deleted_at DATETIME(6) NOT NULL,"
                    + " PRIMARY KEY (collection, tenant, doc_id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS search_outbox (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, collection VARCHAR(40) NOT NULL,"
                    + " layout INT NOT NULL, tenant VARCHAR(63) NOT NULL, doc_id VARCHAR(512) NOT NULL, version BIGINT NOT NULL,"
                    + " body MEDIUMTEXT NULL, attempts INT NOT NULL DEFAULT 0, next_at DATETIME(6) NOT NULL, last_error VARCHAR(1000) NULL,"
                    + " dead BOOLEAN NOT NULL DEFAULT FALSE, KEY search_outbox_due (dead, next_at), KEY search_outbox_tenant (collection, tenant))"
                    + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"));

    public record LayoutRow(Layout layout, LayoutSpec spec, String state) {
    }

    public record MigrationRow(long id, String collection, int source, int target, MigrationState state, String readFlag,
            Instant dualWriteSince, Instant updatedAt) {
    }

    public record TenantRow(TenantId tenant, String backfill, String cursor, long copied, String validation, long sourceCount,
            long targetCount, String sourceHash, String targetHash, String detail) {
    }

    public record OutboxRow(long id, String collection, int layout, TenantId tenant, String docId, long version, String body, int attempts) {
    }

    private final DataSource db;

    public SearchStore(DataSource db) {
        this.db = db;
    }

    public DataSource db() {
        return db;
    }

    // ---- collections and layouts

    public Map<String, Integer> collections() throws SQLException {
        Map<String, Integer> out = new HashMap<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT name, current_layout FROM search_collection");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getInt(2));
            }
        }
        return out;
    }

    public List<LayoutRow> layouts() throws SQLException {
        List<LayoutRow> out = new ArrayList<>();
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT collection, layout, partitions, dedicated, mappings, settings, state FROM search_layout");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Set<TenantId> dedicated = parseTenants(rs.getString(4));
                LayoutSpec spec = new LayoutSpec(rs.getInt(3), dedicated, rs.getString(5), rs.getString(6));
                out.add(new LayoutRow(new Layout(rs.getString(1), rs.getInt(2), rs.getInt(3), dedicated), spec, rs.getString(7)));
            }
        }
        return out;
    }

    public static Set<TenantId> parseTenants(String csv) {
        if (csv == null || csv.isBlank()) {
            return Set.of();
        }
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(TenantId::of).collect(Collectors.toSet());
    }

    public static String tenantsCsv(Set<TenantId> tenants) {
        return tenants.stream().map(TenantId::value).sorted().collect(Collectors.joining(","));
    }

    /** Inserts the collection with layout 1; false if the name is taken. */
    public boolean insertCollection(String name, LayoutSpec spec) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT IGNORE INTO search_collection (name, current_layout, created_at) VALUES (?, 1, NOW(6))")) {
                ps.setString(1, name);
                if (ps.executeUpdate() == 0) {
                    c.rollback();
                    return false;
                }
            }
            insertLayout(c, name, 1, spec, "ACTIVE");
            c.commit();
            return true;
        }
    }

    public void deleteCollection(String name) throws SQLException {
        try (Connection c = db.getConnection()) {
            exec(c, "DELETE FROM search_layout WHERE collection = ?", name);
            exec(c, "DELETE FROM search_collection WHERE name = ?", name);
        }
    }

    private static void insertLayout(Connection c, String collection, int number, LayoutSpec spec, String state) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO search_layout (collection, layout, partitions, dedicated, mappings, settings, state)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, collection);
            ps.setInt(2, number);
            ps.setInt(3, spec.partitions());
            ps.setString(4, tenantsCsv(spec.dedicated()));
            ps.setString(5, spec.mappings());
            ps.setString(6, spec.settings());
            ps.setString(7, state);
            ps.executeUpdate();
        }
    }

    public void registerTenant(String collection, TenantId tenant) throws SQLException {
        try (Connection c = db.getConnection()) {
            exec(c, "INSERT IGNORE INTO search_tenant (collection, tenant) VALUES (?, ?)", collection, tenant.value());
        }
    }

    public long tenantCount(String collection) throws SQLException {
        return longQuery("SELECT COUNT(*) FROM search_tenant WHERE collection = ?", collection);
    }

    public boolean tenantKnown(String collection, TenantId tenant) throws SQLException {
        return longQuery("SELECT COUNT(*) FROM search_tenant WHERE collection = ? AND tenant = ?", collection, tenant.value()) > 0;
    }

    // ---- migrations

    /**
     * Reserves the collection for a new migration and records its target layout, or returns empty when another
     * migration is open. The target's indexes are created afterwards; on failure the caller calls dropMigration.
     */
    public Optional<MigrationRow> insertMigration(String collection, int source, LayoutSpec target, String flagPrefix) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                int number;
                try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(MAX(layout), 0) + 1 FROM search_layout WHERE collection = ? FOR UPDATE")) {
                    ps.setString(1, collection);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        number = rs.getInt(1);
                    }
                }
                long id;
                try (PreparedStatement ps = c.prepareStatement("INSERT IGNORE INTO search_migration (collection, source_layout, target_layout, state,"
                        + " read_flag, open_collection, created_at, updated_at) VALUES (?, ?, ?, 'CREATED', '', ?, NOW(6), NOW(6))",
                        PreparedStatement.RETURN_GENERATED_KEYS)) {
                    ps.setString(1, collection);
                    ps.setInt(2, source);
                    ps.setInt(3, number);
                    ps.setString(4, collection);
                    if (ps.executeUpdate() == 0) {
                        c.rollback();
                        return Optional.empty();
                    }
                    try (ResultSet rs = ps.getGeneratedKeys()) {
                        rs.next();
                        id = rs.getLong(1);
                    }
                }
                exec(c, "UPDATE search_migration SET read_flag = ? WHERE id = ?", flagPrefix + id + ".reads", id);
                insertLayout(c, collection, number, target, "TARGET");
                c.commit();
                return migration(id);
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** Undoes insertMigration when the target's indexes could not be created: nothing of it stays. */
    public void dropMigration(long id) throws SQLException {
        Optional<MigrationRow> m = migration(id);
        if (m.isEmpty()) {
            return;
        }
        try (Connection c = db.getConnection()) {
            exec(c, "DELETE FROM search_layout WHERE collection = ? AND layout = ?", m.get().collection(), m.get().target());
            exec(c, "DELETE FROM search_migration_tenant WHERE migration_id = ?", id);
            exec(c, "DELETE FROM search_migration WHERE id = ?", id);
        }
    }

    public Optional<MigrationRow> migration(long id) throws SQLException {
        List<MigrationRow> rows = migrations("WHERE id = ?", id);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    public List<MigrationRow> openMigrations() throws SQLException {
        return migrations("WHERE open_collection IS NOT NULL");
    }

    public List<MigrationRow> migrationsOf(String collection) throws SQLException {
        return migrations("WHERE collection = ? ORDER BY id", collection);
    }

    private List<MigrationRow> migrations(String where, Object... args) throws SQLException {
        List<MigrationRow> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT id, collection, source_layout, target_layout,"
                + " state, read_flag, dual_write_since, updated_at FROM search_migration " + where)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Timestamp since = rs.getTimestamp(7);
                    out.add(new MigrationRow(rs.getLong(1), rs.getString(2), rs.getInt(3), rs.getInt(4), MigrationState.valueOf(rs.getString(5)),
                            rs.getString(6), since == null ? null : since.toInstant(), rs.getTimestamp(8).toInstant()));
                }
            }
        }
        return out;
    }

    /** Moves the migration from {@code from} to {@code to}; false if another node moved it first. */
    public boolean transition(long id, MigrationState from, MigrationState to) throws SQLException {
        try (Connection c = db.getConnection()) {
            String extra = to == MigrationState.DUAL_WRITE ? ", dual_write_since = NOW(6)" : "";
            String open = to.open() ? "" : ", open_collection = NULL";
            return exec(c, "UPDATE search_migration SET state = ?, updated_at = NOW(6)" + extra + open + " WHERE id = ? AND state = ?",
                    to.name(), id, from.name()) == 1;
        }
    }

    /** FINISH in one transaction: the target becomes the collection's layout, the source is retired. */
    public boolean finish(MigrationRow m) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                if (exec(c, "UPDATE search_migration SET state = 'FINISHED', open_collection = NULL, updated_at = NOW(6) WHERE id = ? AND state = ?",
                        m.id(), m.state().name()) != 1) {
                    c.rollback();
                    return false;
                }
                exec(c, "UPDATE search_collection SET current_layout = ? WHERE name = ?", m.target(), m.collection());
                exec(c, "UPDATE search_layout SET state = 'ACTIVE' WHERE collection = ? AND layout = ?", m.collection(), m.target());
                exec(c, "UPDATE search_layout SET state = 'RETIRED' WHERE collection = ? AND layout = ?", m.collection(), m.source());
                c.commit();
                return true;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    public void setLayoutState(String collection, int layout, String state) throws SQLException {
        try (Connection c = db.getConnection()) {
            exec(c, "UPDATE search_layout SET state = ? WHERE collection = ? AND layout = ?", state, collection, layout);
        }
    }

    /** Forgets deletes older than the retention, except in collections with an open migration. */
    public int purgeTombstones(long retentionHours) throws SQLException {
        try (Connection c = db.getConnection()) {
            return exec(c, "DELETE FROM search_tombstone WHERE deleted_at < NOW(6) - INTERVAL ? HOUR AND collection NOT IN"
                    + " (SELECT open_collection FROM search_migration WHERE open_collection IS NOT NULL) LIMIT 10000", retentionHours);
        }
    }

    /** Adds every tenant the collection has to the migration (new tenants join as PENDING). */
    public void syncTenants(long id, String collection) throws SQLException {
        try (Connection c = db.getConnection()) {
            exec(c, "INSERT IGNORE INTO search_migration_tenant (migration_id, tenant, backfill, updated_at)"
                    + " SELECT ?, tenant, 'PENDING', NOW(6) FROM search_tenant WHERE collection = ?", id, collection);
        }
    }

    public List<TenantRow> tenants(long id) throws SQLException {
        List<TenantRow> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT tenant, backfill, cursor_id, copied, validation,"
                + " source_count, target_count, source_hash, target_hash, detail FROM search_migration_tenant WHERE migration_id = ? ORDER BY tenant")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new TenantRow(TenantId.of(rs.getString(1)), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5),
                            rs.getLong(6), rs.getLong(7), rs.getString(8), rs.getString(9), rs.getString(10)));
                }
            }
        }
        return out;
    }

    public void backfillProgress(long id, TenantId tenant, String state, String cursor, long copied, String detail) throws SQLException {
        try (Connection c = db.getConnection()) {
            exec(c, "UPDATE search_migration_tenant SET backfill = ?, cursor_id = ?, copied = ?, detail = ?, updated_at = NOW(6)"
                    + " WHERE migration_id = ? AND tenant = ?", state, cursor, copied, truncate(detail), id, tenant.value());
        }
    }

    public void validation(long id, TenantId tenant, String result, long sourceCount, long targetCount, String sourceHash, String targetHash,
            String detail) throws SQLException {
        try (Connection c = db.getConnection()) {
            exec(c, "UPDATE search_migration_tenant SET validation = ?, source_count = ?, target_count = ?, source_hash = ?, target_hash = ?,"
                    + " detail = ?, updated_at = NOW(6) WHERE migration_id = ? AND tenant = ?", result, sourceCount, targetCount, sourceHash,
                    targetHash, truncate(detail), id, tenant.value());
        }
    }

    /** A validation verdict for one tenant of a migration. */
    public record Verdict(TenantId tenant, String result, long sourceCount, long targetCount, String sourceHash, String targetHash,
            String detail) {
    }

    /** Records several verdicts in one batch. */
    public void validations(long id, List<Verdict> verdicts) throws SQLException {
        if (verdicts.isEmpty()) {
            return;
        }
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("UPDATE search_migration_tenant SET validation = ?,"
                + " source_count = ?, target_count = ?, source_hash = ?, target_hash = ?, detail = ?, updated_at = NOW(6)"
                + " WHERE migration_id = ? AND tenant = ?")) {
            for (Verdict v : verdicts) {
                bind(ps, v.result(), v.sourceCount(), v.targetCount(), v.sourceHash(), v.targetHash(), truncate(v.detail()), id, v.tenant().value());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    // ---- tombstones and outbox

    public void tombstone(String collection, TenantId tenant, String docId, long version) throws SQLException {
        try (Connection c = db.getConnection()) {
            exec(c, "INSERT INTO search_tombstone (collection, tenant, doc_id, version, deleted_at) VALUES (?, ?, ?, ?, NOW(6))"
                    + " ON DUPLICATE KEY UPDATE version = GREATEST(version, VALUES(version)), deleted_at = NOW(6)",
                    collection, tenant.value(), docId, version);
        }
    }

    /** The delete versions recorded for these ids of the tenant. */
    public Map<String, Long> tombstones(String collection, TenantId tenant, List<String> ids) throws SQLException {
        Map<String, Long> out = new HashMap<>();
        if (ids.isEmpty()) {
            return out;
        }
        String marks = String.join(",", java.util.Collections.nCopies(ids.size(), "?"));
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT doc_id, version FROM search_tombstone"
                + " WHERE collection = ? AND tenant = ? AND doc_id IN (" + marks + ")")) {
            ps.setString(1, collection);
            ps.setString(2, tenant.value());
            for (int i = 0; i < ids.size(); i++) {
                ps.setString(3 + i, ids.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return out;
    }

    public void outbox(String collection, int layout, TenantId tenant, String docId, long version, String body, String error) throws SQLException {
        try (Connection c = db.getConnection()) {
            exec(c, "INSERT INTO search_outbox (collection, layout, tenant, doc_id, version, body, next_at, last_error)"
                    + " VALUES (?, ?, ?, ?, ?, ?, NOW(6) + INTERVAL 200000 MICROSECOND, ?)", collection, layout, tenant.value(), docId, version, body,
                    truncate(error));
        }
    }

    public List<OutboxRow> dueOutbox(int limit) throws SQLException {
        List<OutboxRow> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT id, collection, layout, tenant, doc_id, version,"
                + " body, attempts FROM search_outbox WHERE dead = FALSE AND next_at <= NOW(6) ORDER BY id LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new OutboxRow(rs.getLong(1), rs.getString(2), rs.getInt(3), TenantId.of(rs.getString(4)), rs.getString(5),
                            rs.getLong(6), rs.getString(7), rs.getInt(8)));
                }
            }
        }
        return out;
    }

    public void outboxDone(long id) throws SQLException {
        try (Connection c = db.getConnection()) {
            exec(c, "DELETE FROM search_outbox WHERE id = ?", id);
        }
    }

    public void outboxRetry(long id, int attempts, long delayMillis, String error, boolean dead) throws SQLException {
        try (Connection c = db.getConnection()) {
            exec(c, "UPDATE search_outbox SET attempts = ?, next_at = NOW(6) + INTERVAL ? MICROSECOND, last_error = ?, dead = ? WHERE id = ?",
                    attempts, delayMillis * 1000, truncate(error), dead, id);
        }
    }

    public List<OutboxEntry> outboxEntries(String collection, boolean deadOnly, int limit) throws SQLException {
        List<OutboxEntry> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT id, collection, layout, tenant, doc_id,"
                + " version, attempts, dead, last_error, next_at FROM search_outbox WHERE collection = ?"
                + (deadOnly ? " AND dead = TRUE" : "") + " ORDER BY id LIMIT ?")) {
            ps.setString(1, collection);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new OutboxEntry(rs.getLong(1), rs.getString(2), rs.getInt(3), rs.getString(4), rs.getString(5), rs.getLong(6),
                            rs.getInt(7), rs.getBoolean(8), rs.getString(9), rs.getTimestamp(10).toInstant()));
                }
            }
        }
        return out;
    }

    public int reviveOutbox(String collection) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE search_outbox SET dead = FALSE, attempts = 0, next_at = NOW(6) WHERE collection = ? AND dead = TRUE")) {
            ps.setString(1, collection);
            return ps.executeUpdate();
        }
    }

    public long outboxPending(String collection, TenantId tenant) throws SQLException {
        return tenant == null ? longQuery("SELECT COUNT(*) FROM search_outbox WHERE collection = ?", collection)
                : longQuery("SELECT COUNT(*) FROM search_outbox WHERE collection = ? AND tenant = ?", collection, tenant.value());
    }

    /** Writes waiting in a collection's outbox, per tenant (tenants with none are absent). */
    public Map<TenantId, Long> outboxPendingByTenant(String collection) throws SQLException {
        Map<TenantId, Long> out = new HashMap<>();
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT tenant, COUNT(*) FROM search_outbox WHERE collection = ? GROUP BY tenant")) {
            ps.setString(1, collection);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(TenantId.of(rs.getString(1)), rs.getLong(2));
                }
            }
        }
        return out;
    }

    public void dropOutbox(String collection, int layout) throws SQLException {
        try (Connection c = db.getConnection()) {
            exec(c, "DELETE FROM search_outbox WHERE collection = ? AND layout = ?", collection, layout);
        }
    }

    // ---- helpers

    private long longQuery(String sql, Object... args) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static int exec(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            return ps.executeUpdate();
        }
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
    }

    private static String truncate(String s) {
        return s == null || s.length() <= 1000 ? s : s.substring(0, 997) + "...";
    }
}
