package io.headroom.sharding.internal.engine;

import com.github.shyiko.mysql.binlog.BinaryLogClient;
import com.github.shyiko.mysql.binlog.event.DeleteRowsEventData;
import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.event.EventHeaderV4;
import com.github.shyiko.mysql.binlog.event.EventType;
import com.github.shyiko.mysql.binlog.event.MariadbGtidEventData;
import com.github.shyiko.mysql.binlog.event.QueryEventData;
import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import com.github.shyiko.mysql.binlog.event.UpdateRowsEventData;
import com.github.shyiko.mysql.binlog.event.WriteRowsEventData;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDeserializer;
import io.headroom.sharding.internal.core.Gtid;
import io.headroom.sharding.internal.core.ReplayLag;
import io.headroom.sharding.internal.core.TenantFilter;
import java.io.IOException;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * Change capture for a move: reads one shard server's binlog (ROW format) from a GTID position, keeps the row events of
 * the source database's sharded tables whose tenant a destination's filter carries, and applies them to that
 * destination idempotently (REPLACE for inserts and updates, delete by primary key), so replaying events the copy
 * already saw converges to the same rows. Positions are GTIDs ({@code @@gtid_binlog_pos}), advanced at transaction
 * ends only, so a resume never starts inside a transaction; a GTID names the same transaction on every server of the
 * shard (replicas run with {@code log_slave_updates}), so a stream reopened on a promoted replica continues where the
 * old primary's left off. The binary log's file and offset are kept only to measure the lag on the server read.
 */
final class BinlogStream implements AutoCloseable {
    /** A file position in one server's binary log (lag measurement only: it names nothing on another server). */
    record Position(String file, long position) implements Comparable<Position> {
        @Override
        public int compareTo(Position o) {
            int c = file.compareTo(o.file);
            return c != 0 ? c : Long.compare(position, o.position);
        }

        @Override
        public String toString() {
            return file + ":" + position;
        }
    }

    /**
     * Where the rows go; a null filter carries every row (a shadow table copy). The data source is looked up at every
     * change, so a destination shard that switches over is written on its new primary.
     */
    record Destination(String shard, Supplier<DataSource> db, TenantFilter filter) {
    }

    private final ServerAddress server;

    private final BinaryLogClient client;
    private final String database;
    private final Map<String, TableShape> tables;
    private final Map<String, TableShape.Mapping> mappings;
    private final List<Destination> destinations;
    private final Supplier<Set<String>> pinned;
    private final Consumer<Gtid> committed;
    private final Map<Long, TableMapEventData> tableMaps = new ConcurrentHashMap<>();
    private final AtomicLong applied = new AtomicLong();
    /** The end of the last transaction read (and, if it held rows of ours, applied); the GTID of the one being read. */
    private volatile Gtid position;
    private long[] pending;
    private volatile Position seen = new Position("", 0);
    private volatile Exception failure;
    private volatile boolean closed;
    /** The source's time of the last event read (0: none yet), and when {@link #lag} last found the stream caught up. */
    private volatile long lastEventMillis;
    private volatile long caughtUpAt;

    BinlogStream(ServerAddress server, String user, String password, Map<String, TableShape> tables, List<Destination> destinations,
            Supplier<Set<String>> pinned, Gtid from, Consumer<Gtid> committed) {
        this(server, user, password, tables, Map.of(), destinations, pinned, from, committed);
    }

    /**
     * @param mappings per source table, how its rows are written elsewhere (another table, columns matched by name);
     *                 a table without one is written to the same table with the same columns
     */
    BinlogStream(ServerAddress server, String user, String password, Map<String, TableShape> tables, Map<String, TableShape.Mapping> mappings,
            List<Destination> destinations, Supplier<Set<String>> pinned, Gtid from, Consumer<Gtid> committed) {
        if (from.sequences().isEmpty()) {
            throw new IllegalArgumentException("no GTID position to read the binary log of " + server.host() + ":" + server.port() + " from");
        }
        this.server = server;
        this.database = server.database();
        this.tables = tables;
        this.mappings = new ConcurrentHashMap<>(mappings);
        this.destinations = destinations;
        this.pinned = pinned;
        this.committed = committed;
        this.position = from;
        this.client = new BinaryLogClient(server.host(), server.port(), user, password);
        client.setServerId(ThreadLocalRandom.current().nextLong(10_000, Integer.MAX_VALUE));
        client.setGtidSet(from.text()); // MariaDB: @slave_connect_state, the binary log after these transactions
        client.setKeepAlive(false);
        EventDeserializer ed = new EventDeserializer();
        SignedTime.install(ed); // TIME(n) with its sign (the client drops it), as the server's text
        // date/time as microseconds (exact; TableShape.fromBinlog renders them per column type), text and binary as bytes
        ed.setCompatibilityMode(EventDeserializer.CompatibilityMode.CHAR_AND_BINARY_AS_BYTE_ARRAY,
                EventDeserializer.CompatibilityMode.DATE_AND_TIME_AS_LONG_MICRO);
        client.setEventDeserializer(ed);
        client.registerEventListener(this::onEvent);
        client.registerLifecycleListener(new BinaryLogClient.AbstractLifecycleListener() {
            @Override
            public void onCommunicationFailure(BinaryLogClient c, Exception ex) {
                lost(ex.toString());
            }

            @Override
            public void onDisconnect(BinaryLogClient c) {
                lost("disconnected");
            }
        });
    }

    /** The connection ended without {@link #close()} (the server stopped or was killed): the runner reopens the stream. */
    private void lost(String why) {
        if (!closed && failure == null) {
            failure = new IllegalStateException("the binary log connection to " + server.host() + ":" + server.port() + " ended: " + why);
        }
    }

    /** The server this stream reads. */
    ServerAddress server() {
        return server;
    }

    /**
     * Throws {@link PrimaryChanged} when {@code primaryUrl}, the shard's primary now, is not the server this stream reads
     * (a switchover or failover): the caller reopens the stream there from its GTID position.
     */
    void requirePrimary(String shard, String primaryUrl) {
        if (!ServerAddress.of(primaryUrl).equals(server)) {
            throw new PrimaryChanged("shard " + shard + "'s primary is now " + primaryUrl + ": the replay reopens there from its GTID position");
        }
    }

    /** The server a stream reads is no longer its shard's primary. */
    static final class PrimaryChanged extends IllegalStateException {
        PrimaryChanged(String message) {
            super(message);
        }
    }

    /** Whether a failure only met a shard switching over (see {@link #switchingOver(SQLException)}), anywhere in its causes. */
    static boolean switchingOver(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof PrimaryChanged || t instanceof SQLException q && switchingOver(q)) {
                return true;
            }
        }
        return false;
    }

    void start() throws IOException, TimeoutException {
        client.connect(10_000);
    }

    /** The end of the last transaction read: every change up to it that is ours is applied. */
    Gtid position() {
        return position;
    }

    long applied() {
        return applied.get();
    }

    /** Why the stream stopped applying, if it did. */
    Exception failure() {
        return failure;
    }

    private void onEvent(Event event) {
        if (closed || failure != null) {
            return;
        }
        try {
            EventType type = event.getHeader().getEventType();
            long next = event.getHeader() instanceof EventHeaderV4 h ? h.getNextPosition() : 0;
            if (type == EventType.MARIADB_GTID) {
                MariadbGtidEventData g = event.getData();
                pending = new long[] {g.getDomainId(), g.getServerId(), g.getSequence()};
            } else if (type == EventType.TABLE_MAP) {
                TableMapEventData d = event.getData();
                tableMaps.put(d.getTableId(), d);
            } else if (EventType.isWrite(type)) {
                WriteRowsEventData d = event.getData();
                TableShape t = shape(d.getTableId());
                if (t != null) {
                    for (Serializable[] row : d.getRows()) {
                        upsert(t, row);
                    }
                }
            } else if (EventType.isUpdate(type)) {
                UpdateRowsEventData d = event.getData();
                TableShape t = shape(d.getTableId());
                if (t != null) {
                    for (Map.Entry<Serializable[], Serializable[]> row : d.getRows()) {
                        if (!samePk(t, row.getKey(), row.getValue())) {
                            delete(t, row.getKey());
                        }
                        upsert(t, row.getValue());
                    }
                }
            } else if (EventType.isDelete(type)) {
                DeleteRowsEventData d = event.getData();
                TableShape t = shape(d.getTableId());
                if (t != null) {
                    for (Serializable[] row : d.getRows()) {
                        delete(t, row);
                    }
                }
            } else if (type == EventType.XID || type == EventType.QUERY && !"BEGIN".equalsIgnoreCase(((QueryEventData) event.getData()).getSql())) {
                // a transaction's end: its XID, or a COMMIT / DDL statement (a statement is its own transaction)
                if (pending != null) {
                    Gtid p = position.advance(pending[0], pending[1], pending[2]);
                    pending = null;
                    position = p;
                    committed.accept(p);
                }
            }
            if (next > 0) {
                if (event.getHeader().getTimestamp() > 0) {
                    lastEventMillis = event.getHeader().getTimestamp();
                }
                Position p = new Position(client.getBinlogFilename(), next);
                if (p.compareTo(seen) > 0) {
                    seen = p;
                }
            }
        } catch (SQLException | RuntimeException e) {
            failure = e;
        }
    }

    /** The end of the last event read in the server's binary log, to compare with its {@code SHOW MASTER STATUS} (lag). */
    Position seen() {
        return seen;
    }

    /**
     * How far this stream is behind {@code head} (the server's position, read after {@link #seen()} was) at {@code now};
     * {@code logs} lists the server's binary logs when the head is in a later file than the stream has read.
     */
    ReplayLag.Lag lag(Position seen, Position head, List<ReplayLag.LogFile> logs, long now) {
        boolean caughtUp = seen.compareTo(head) >= 0;
        if (caughtUp) {
            caughtUpAt = now;
        }
        return new ReplayLag.Lag(ReplayLag.bytesBehind(seen.file(), seen.position(), head.file(), head.position(), logs),
                ReplayLag.millisBehind(caughtUp, now, lastEventMillis, caughtUpAt));
    }

    private TableShape shape(long tableId) {
        TableMapEventData m = tableMaps.get(tableId);
        if (m == null || !database.equals(m.getDatabase())) {
            return null;
        }
        return tables.get(m.getTable().toLowerCase(java.util.Locale.ROOT));
    }

    private Destination destination(TableShape t, Serializable[] row) {
        if (destinations.size() == 1 && destinations.get(0).filter() == null) {
            return destinations.get(0);
        }
        Object tenant = t.fromBinlog(t.tenantIndex(), row[t.tenantIndex()]);
        String id = tenant == null ? null : tenant.toString();
        Set<String> p = pinned.get();
        for (Destination d : destinations) {
            if (d.filter() == null || d.filter().matches(id, p)) {
                return d;
            }
        }
        return null;
    }

    private boolean samePk(TableShape t, Serializable[] before, Serializable[] after) {
        for (String k : t.primaryKey()) {
            int i = t.index(k);
            if (!java.util.Objects.deepEquals(before[i], after[i])) {
                return false;
            }
        }
        return true;
    }

    private void upsert(TableShape t, Serializable[] row) throws SQLException {
        Destination d = destination(t, row);
        if (d == null) {
            return;
        }
        TableShape.Mapping m = mapping(t);
        List<Object> values = new ArrayList<>();
        for (int i : m.valueIndexes()) {
            values.add(t.fromBinlog(i, row[i]));
        }
        apply(d, m.replaceSql(), values);
    }

    private void delete(TableShape t, Serializable[] row) throws SQLException {
        Destination d = destination(t, row);
        if (d == null) {
            return;
        }
        TableShape.Mapping m = mapping(t);
        List<Object> key = new ArrayList<>();
        for (int i : m.keyIndexes()) {
            key.add(t.fromBinlog(i, row[i]));
        }
        apply(d, m.deleteSql(), key);
    }

    private TableShape.Mapping mapping(TableShape t) {
        return mappings.computeIfAbsent(t.table().toLowerCase(java.util.Locale.ROOT), k -> t.mapTo(t));
    }

    /** Applies one change, retrying for a while when the destination is briefly unavailable (backpressure on the stream). */
    private void apply(Destination d, String sql, List<Object> params) throws SQLException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            try (Connection c = PoolWait.connection(d.db().get()); PreparedStatement ps = c.prepareStatement(sql)) {
                RowCopier.bind(ps, params);
                ps.executeUpdate();
                applied.incrementAndGet();
                return;
            } catch (SQLException e) {
                if (closed || System.currentTimeMillis() > deadline || !switchingOver(e)) {
                    throw e;
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * An error a destination gives while it is unreachable or switching over: connection errors, a primary made
     * read-only (1290, 1836), a pool closed as routing moved to the new primary (the next lookup gets the new one).
     */
    static boolean switchingOver(SQLException e) {
        return e.getSQLState() != null && e.getSQLState().startsWith("08") || e.getErrorCode() == 1290 || e.getErrorCode() == 1836
                || e.getMessage() != null && e.getMessage().contains("has been closed");
    }

    @Override
    public void close() {
        closed = true;
        try {
            client.disconnect();
        } catch (IOException e) {
            // the stream is being dropped either way
        }
    }
}
