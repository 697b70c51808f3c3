package io.headroom.sharding.internal.store;

import io.headroom.core.api.fleet.Lease;
import io.headroom.sharding.api.SchemaChangeStatus;
import io.headroom.sharding.internal.core.SchemaChangeState;
import io.headroom.sharding.internal.core.ShardChangeState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Versioned schema changes in {@code shard_schema_changes}: the change's state, and per shard its recorded entry (one
 * {@code shard=entry} line each in {@code shards}). Both are written only as compare-and-sets through
 * {@link SchemaChangeState} and {@link ShardChangeState}; the runner's writes check its lease.
 */
public final class SchemaChangeStore {
    private static final String STATUS = "SELECT version, ddl, state, canary, shards, error, updated_at FROM shard_schema_changes";

    private final DataSource db;

    public SchemaChangeStore(DataSource db) {
        this.db = db;
    }

    /** The highest version recorded (0: none). */
    public int latest() throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM shard_schema_changes")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Records a new change, RUNNING; IllegalStateException when the version exists. */
    public void create(int version, String ddl, String canary) throws SQLException {
        try (Connection c = db.getConnection()) {
            Sql.exec(c, "INSERT INTO shard_schema_changes (version, ddl, state, canary, shards) VALUES (?, ?, ?, ?, '')", version, ddl,
                    SchemaChangeState.RUNNING.name(), canary);
        } catch (SQLIntegrityConstraintViolationException e) {
            throw new IllegalStateException("schema version " + version + " already exists");
        }
    }

    public Optional<SchemaChangeStatus> status(int version) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(STATUS + " WHERE version = ?")) {
            ps.setInt(1, version);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(status(rs)) : Optional.empty();
            }
        }
    }

    public List<SchemaChangeStatus> list() throws SQLException {
        List<SchemaChangeStatus> out = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(STATUS + " ORDER BY version")) {
            while (rs.next()) {
                out.add(status(rs));
            }
        }
        return out;
    }

    private static SchemaChangeStatus status(ResultSet rs) throws SQLException {
        return new SchemaChangeStatus(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4), decode(rs.getString(5)), rs.getString(6),
                rs.getString(7));
    }

    /** The changes in {@code state}. */
    public List<Integer> in(SchemaChangeState state) throws SQLException {
        List<Integer> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT version FROM shard_schema_changes WHERE state = ? ORDER BY version")) {
            ps.setString(1, state.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getInt(1));
                }
            }
        }
        return out;
    }

    /** An operator's step (pause, resume, cancel): false when the change left {@code from} meanwhile. */
    public boolean transition(int version, SchemaChangeState from, SchemaChangeState to) throws SQLException {
        from.to(to, version);
        try (Connection c = db.getConnection()) {
            return Sql.exec(c, "UPDATE shard_schema_changes SET state = ? WHERE version = ? AND state = ?", to.name(), version, from.name()) == 1;
        }
    }

    /** The runner ends the change: RUNNING to DONE or FAILED; false when it is not RUNNING any more (paused, cancelled). */
    public boolean finish(int version, SchemaChangeState to, String error, Lease lease) throws SQLException {
        SchemaChangeState.RUNNING.to(to, version);
        return Sql.transaction(db, lease, c -> Sql.exec(c, "UPDATE shard_schema_changes SET state = ?, error = ? WHERE version = ? AND state = ?",
                to.name(), error, version, SchemaChangeState.RUNNING.name()) == 1);
    }

    /** Records a shard's new entry, a compare-and-set from the shard's recorded state under the row's lock. */
    public void shard(int version, String shard, String entry, Lease lease) throws SQLException {
        Sql.transaction(db, lease, c -> {
            Map<String, String> shards;
            try (PreparedStatement ps = c.prepareStatement("SELECT shards FROM shard_schema_changes WHERE version = ? FOR UPDATE")) {
                ps.setInt(1, version);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new IllegalStateException("schema change " + version + " is gone");
                    }
                    shards = decode(rs.getString(1));
                }
            }
            ShardChangeState.of(shards.get(shard)).to(ShardChangeState.of(entry), shard);
            shards.put(shard, entry.replace("\n", " "));
            return Sql.exec(c, "UPDATE shard_schema_changes SET shards = ? WHERE version = ?", encode(shards), version);
        });
    }

    public void error(int version, String error, Lease lease) throws SQLException {
        Sql.transaction(db, lease, c -> Sql.exec(c, "UPDATE shard_schema_changes SET error = ? WHERE version = ?", error, version));
    }

    private static String encode(Map<String, String> m) {
        StringBuilder b = new StringBuilder();
        new TreeMap<>(m).forEach((k, v) -> b.append(b.length() == 0 ? "" : "\n").append(k).append('=').append(v));
        return b.toString();
    }

    private static Map<String, String> decode(String s) {
        Map<String, String> out = new LinkedHashMap<>();
        if (s != null && !s.isEmpty()) {
            for (String line : s.split("\n")) {
                int eq = line.indexOf('=');
                out.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return out;
    }
}
