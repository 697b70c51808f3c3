package io.headroom.sharding.internal;

import com.mysql.cj.jdbc.MysqlDataSource;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.headroom.sharding.api.ShardQueryException;
import io.headroom.sharding.api.ShardUnavailableException;
import io.headroom.sharding.api.TenantOverLimitException;
import io.headroom.sharding.internal.core.CircuitBreaker;
import io.headroom.sharding.internal.core.PoolWarmth;
import io.headroom.sharding.internal.core.TenantGate;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ObjLongConsumer;
import java.util.concurrent.atomic.LongAdder;

/**
 * One shard's connection pool with its circuit breaker, per-tenant connection shares and per-tenant counters.
 * Every statement goes through {@link #run}: share, breaker, connection, classification of the failure.
 */
final class ShardPool implements AutoCloseable {
    /** The bucket of cross-tenant work (scatter queries, operator checks) in the per-tenant shares and counters. */
    static final String SCATTER_BUCKET = "*scatter*";

    /** Per tenant (or the scatter bucket) on this shard, since this node started. */
    static final class Load {
        final LongAdder queries = new LongAdder();
        final LongAdder errors = new LongAdder();
        final LongAdder refused = new LongAdder();
        final LongAdder latencyMicros = new LongAdder();
        final AtomicLong maxLatencyMicros = new AtomicLong();
        final AtomicLong reported = new AtomicLong();
        final AtomicLong reportedMicros = new AtomicLong();
    }

    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    final String name;
    final String url;
    private final HikariDataSource pool;
    final CircuitBreaker breaker;
    final TenantGate gate;
    private final long tenantWaitMillis;
    final Map<String, Load> load = new ConcurrentHashMap<>();
    final int poolSize;
    /** Calls inside {@link #run} now; closing waits for them, so no statement is cut off with its outcome unknown. */
    private final AtomicInteger running = new AtomicInteger();
    /** The most calls that ran at once (how many connections this node needs on the shard's next primary). */
    private final AtomicInteger peakRunning = new AtomicInteger();
    private volatile boolean closing;
    /** Where each statement's latency goes (the shard's query histogram), or null (a replica's pool). */
    private final ObjLongConsumer<String> latencies;

    ShardPool(String name, String url, ShardingSettings s) {
        this(name, url, s, null);
    }

    ShardPool(String name, String url, ShardingSettings s, ObjLongConsumer<String> latencies) {
        this.latencies = latencies;
        this.name = name;
        this.url = url;
        this.poolSize = s.poolSize();
        this.breaker = new CircuitBreaker(s.breakerThreshold(), s.breakerOpenMillis(), System::currentTimeMillis);
        this.gate = new TenantGate(TenantGate.share(s.poolSize(), s.tenantShare()));
        this.tenantWaitMillis = s.tenantWaitMillis();
        this.pool = dataSource(name, url, s.user(), s.password(), s.poolSize(), s.connectTimeoutMillis(), s.queryTimeoutSeconds());
    }

    /** The pool settings the router uses, also for the benchmark's direct baseline so both sides are equal. */
    static HikariDataSource dataSource(String name, String url, String user, String password, int poolSize, int connectTimeoutMillis,
            int queryTimeoutSeconds) {
        MysqlDataSource mysql = new MysqlDataSource();
        mysql.setUrl(url);
        mysql.setUser(user);
        mysql.setPassword(password);
        try {
            mysql.setConnectTimeout(connectTimeoutMillis);
            // a stalled server: reads give up after the statement timeout (no per-statement timer on the hot path)
            mysql.setSocketTimeout((queryTimeoutSeconds + 5) * 1000);
            mysql.setCachePrepStmts(true);
            mysql.setUseServerPrepStmts(false);
        } catch (SQLException e) {
            throw new IllegalArgumentException("bad shard connection setting: " + e.getMessage(), e);
        }
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("headroom-shard-" + name);
        hc.setDataSource(mysql);
        hc.setMaximumPoolSize(poolSize);
        hc.setMinimumIdle(minIdle(poolSize));
        hc.setConnectionTimeout(Math.max(250, connectTimeoutMillis));
        hc.setValidationTimeout(Math.max(250, connectTimeoutMillis / 2));
        // a shard that is down when this node starts must not stop the node; the breaker reports it instead
        hc.setInitializationFailTimeout(-1);
        return new HikariDataSource(hc);
    }

    /** The idle connections a pool of that size keeps open. */
    static int minIdle(int poolSize) {
        return Math.min(2, poolSize);
    }

    /**
     * Opens the pool's connections now (best effort), before traffic arrives all at once: a switchover's held
     * statements released onto a pool holding only its minimum would wait for connections one by one, past the
     * pool's timeout on a loaded machine.
     */
    void warm() {
        warm(poolSize);
    }

    /** Opens {@code connections} of the pool's connections now (best effort: as many as the server gives). */
    void warm(int connections) {
        List<Connection> held = new ArrayList<>();
        try {
            for (int i = 0; i < Math.min(connections, poolSize); i++) {
                held.add(pool.getConnection());
            }
        } catch (SQLException e) {
            // as many as the server gave: the rest open on demand
        } finally {
            for (Connection c : held) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // returned to the pool or discarded by it
                }
            }
        }
    }

    Load load(String bucket) {
        return load.computeIfAbsent(bucket, b -> new Load());
    }

    /** Runs work for a tenant (or the scatter bucket) under its connection share and the shard's breaker. */
    <T> T run(String bucket, Work<T> work) {
        return run(bucket, () -> { }, work);
    }

    /**
     * As {@link #run(String, Work)}, with {@code admitted} run once the connection share is held and before the
     * statement: the router re-checks routing and write fences there, so a cut-over that waits for the shares to be
     * released never misses a statement that already looked.
     */
    <T> T run(String bucket, Runnable onAdmitted, Work<T> work) {
        int now = running.incrementAndGet();
        if (now > peakRunning.get()) {
            peakRunning.accumulateAndGet(now, Math::max);
        }
        try {
            if (closing) {
                throw new ShardUnavailableException(name, "shard " + name + "'s pool is closing (the router is restarting); retry", null);
            }
            return admitted(bucket, onAdmitted, work);
        } finally {
            running.decrementAndGet();
        }
    }

    private <T> T admitted(String bucket, Runnable onAdmitted, Work<T> work) {
        Load l = load(bucket);
        boolean admitted;
        try {
            admitted = gate.acquire(bucket, tenantWaitMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ShardUnavailableException(name, "interrupted while waiting for a connection on shard " + name, e);
        }
        if (!admitted) {
            l.refused.increment();
            throw new TenantOverLimitException(name, "tenant " + bucket + " already holds its " + gate.perTenant()
                    + " connection(s) on shard " + name + "; retry shortly");
        }
        long start = System.nanoTime();
        try {
            onAdmitted.run();
            if (!breaker.allow()) {
                l.errors.increment();
                throw new ShardUnavailableException(name, "shard " + name + " is down (failing fast): " + breaker.lastFailure(), null);
            }
            l.queries.increment();
            try (Connection c = pool.getConnection()) {
                T result = work.run(c);
                breaker.success();
                return result;
            } catch (SQLException e) {
                l.errors.increment();
                if (pool.isClosed()) {
                    throw new ShardUnavailableException(name, "shard " + name + "'s pool is closed (the router is restarting)", e);
                }
                if (isUnavailable(e)) {
                    breaker.failure(e.getClass().getSimpleName() + ": " + e.getMessage());
                    throw new ShardUnavailableException(name, "shard " + name + " is unreachable: " + e.getMessage(), e);
                }
                breaker.success(); // the server answered: the statement was refused, the shard is fine
                throw new ShardQueryException("shard " + name + ": " + e.getMessage(), e.getSQLState(), e);
            }
        } finally {
            long micros = (System.nanoTime() - start) / 1000;
            l.latencyMicros.add(micros);
            l.maxLatencyMicros.accumulateAndGet(micros, Math::max);
            if (latencies != null) {
                latencies.accept(name, micros);
            }
            gate.release(bucket);
        }
    }

    /** Connection-level failures (server down, network, pool timeout, stalled server) count against the breaker. */
    static boolean isUnavailable(SQLException e) {
        String state = e.getSQLState();
        return e instanceof SQLTransientConnectionException || e instanceof SQLNonTransientConnectionException
                || e instanceof SQLTimeoutException || state != null && state.startsWith("08")
                || e.getCause() instanceof java.net.ConnectException;
    }

    /** A trial connection when the breaker allows one, so a shard recovers without waiting for tenant traffic. */
    void probe() {
        if (breaker.state() == CircuitBreaker.State.CLOSED || !breaker.allow()) {
            return;
        }
        try (Connection c = pool.getConnection()) {
            if (c.isValid(1)) {
                breaker.success();
            } else {
                breaker.failure("connection not valid");
            }
        } catch (SQLException e) {
            breaker.failure(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    String health() {
        return switch (breaker.state()) {
            case CLOSED -> "UP";
            case OPEN -> "DOWN";
            case HALF_OPEN -> "RECOVERING";
        };
    }

    /** How many connections to open on the shard's next primary before routing points there (see {@link PoolWarmth}). */
    int warmTarget() {
        HikariPoolMXBean mx = pool.getHikariPoolMXBean();
        return PoolWarmth.target(poolSize, minIdle(poolSize), mx == null ? 0 : mx.getTotalConnections(), peakRunning.get());
    }

    /** Open connections no statement uses right now. */
    int idleConnections() {
        HikariPoolMXBean mx = pool.getHikariPoolMXBean();
        return mx == null ? 0 : mx.getIdleConnections();
    }

    /** Open connections, idle or in use. */
    int totalConnections() {
        HikariPoolMXBean mx = pool.getHikariPoolMXBean();
        return mx == null ? 0 : mx.getTotalConnections();
    }

    int activeConnections() {
        HikariPoolMXBean mx = pool.getHikariPoolMXBean();
        return mx == null ? 0 : mx.getActiveConnections();
    }

    javax.sql.DataSource dataSource() {
        return pool;
    }

    /** Stops admitting statements (they get ShardUnavailableException before they run); those running go on. */
    void stopAdmitting() {
        closing = true;
    }

    /** Whether statements admitted before {@link #stopAdmitting} still run. */
    boolean busy() {
        return running.get() > 0;
    }

    @Override
    public void close() {
        closing = true;
        pool.close();
    }
}
