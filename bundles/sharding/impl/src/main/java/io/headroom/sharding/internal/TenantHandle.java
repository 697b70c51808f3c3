package io.headroom.sharding.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.sharding.api.QueryResult;
import io.headroom.sharding.api.ReadPreference;
import io.headroom.sharding.api.ShardQueryException;
import io.headroom.sharding.api.StatementResult;
import io.headroom.sharding.api.TenantShard;
import io.headroom.sharding.api.UnsafeStatementException;
import io.headroom.sharding.internal.core.SafePath;
import io.headroom.sharding.internal.core.Topology;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * One tenant's handle on the router: every statement checked on the safe path and verified to carry the tenant, then
 * run on the tenant's shard (reads on a replica where the read preference allows), its outcome reported as a signal.
 */
final class TenantHandle implements TenantShard {
    private final MysqlShardRouter router;
    private final TenantId tenant;
    private final String shardAtStart;
    private final ReadPreference reads;
    private final long holdMillis;

    TenantHandle(MysqlShardRouter router, TenantId tenant, String shard, ReadPreference reads, long holdMillis) {
        this.router = router;
        this.tenant = tenant;
        this.shardAtStart = shard;
        this.reads = reads;
        this.holdMillis = holdMillis;
    }

    @Override
    public TenantShard reading(ReadPreference preference) {
        return new TenantHandle(router, tenant, shardAtStart, preference == null ? ReadPreference.PRIMARY : preference, holdMillis);
    }

    @Override
    public TenantShard withFenceHold(Duration hold) {
        return new TenantHandle(router, tenant, shardAtStart, reads, hold == null ? 0 : Math.max(0, hold.toMillis()));
    }

    /** Reads where the preference allows, else (and always for writes) the primary. */
    private <T> T readWhereAllowed(ShardPool.Work<T> work) {
        T fromReplica = router.onReplica(tenant, reads, work);
        return fromReplica != null ? fromReplica : router.onTenantShard(tenant, holdMillis, work);
    }

    @Override
    public TenantId tenant() {
        return tenant;
    }

    @Override
    public String shard() {
        return router.map().topology().route(tenant).map(Topology.ShardDef::name).orElse(shardAtStart);
    }

    @Override
    public QueryResult query(String sql, Object... params) {
        SafePath.Checked c = router.check(sql);
        if (!c.query()) {
            throw new UnsafeStatementException("query() runs SELECT; use update() for INSERT, UPDATE and DELETE");
        }
        Object[] p = ShardStatements.normalise(params);
        c.verify(tenant.value(), p);
        return observed(() -> readWhereAllowed(conn -> ShardStatements.read(conn, c.sql(), p, null)));
    }

    @Override
    public int update(String sql, Object... params) {
        SafePath.Checked c = router.check(sql);
        if (c.query()) {
            throw new UnsafeStatementException("update() runs INSERT, UPDATE and DELETE; use query() for SELECT");
        }
        Object[] p = ShardStatements.normalise(params);
        c.verify(tenant.value(), p);
        return observed(() -> router.onTenantShard(tenant, holdMillis, conn -> {
            try (PreparedStatement ps = conn.prepareStatement(c.sql())) {
                ShardStatements.bind(ps, p);
                return ps.executeUpdate();
            }
        }));
    }

    @Override
    public List<Integer> updateAll(List<Statement> statements) {
        List<Object[]> bound = new ArrayList<>();
        List<String> sqls = new ArrayList<>();
        for (Statement s : statements) {
            SafePath.Checked c = router.check(s.sql());
            sqls.add(c.sql());
            if (c.query()) {
                throw new UnsafeStatementException("updateAll() runs INSERT, UPDATE and DELETE only");
            }
            Object[] p = ShardStatements.normalise(s.params().toArray());
            c.verify(tenant.value(), p);
            bound.add(p);
        }
        return observed(() -> router.onTenantShard(tenant, holdMillis, conn -> ShardStatements.updateAll(conn, sqls, bound)));
    }

    @Override
    public List<StatementResult> execute(List<Statement> statements, int maxRows, int timeoutSeconds) {
        if (statements == null || statements.isEmpty()) {
            throw new IllegalArgumentException("no statement to run");
        }
        List<SafePath.Checked> checks = new ArrayList<>();
        List<Object[]> bound = new ArrayList<>();
        for (Statement s : statements) {
            if (s == null || s.sql() == null || s.sql().isBlank()) {
                throw new UnsafeStatementException("a statement has no sql");
            }
            SafePath.Checked c = router.check(s.sql());
            Object[] p = ShardStatements.normalise(s.params().toArray());
            c.verifyCount(p);
            c.verify(tenant.value(), p);
            checks.add(c);
            bound.add(p);
        }
        boolean readOnly = checks.stream().allMatch(SafePath.Checked::query);
        StatementDeadlines deadlines = router.deadlines();
        ShardPool.Work<List<StatementResult>> run = conn -> {
            boolean tx = statements.size() > 1;
            if (tx) {
                conn.setAutoCommit(false);
            }
            try {
                List<StatementResult> out = new ArrayList<>();
                for (int i = 0; i < checks.size(); i++) {
                    out.add(DataValues.run(conn, checks.get(i).sql(), checks.get(i).query(), bound.get(i), maxRows, timeoutSeconds, deadlines));
                }
                if (tx) {
                    conn.commit();
                }
                return out;
            } catch (SQLException | RuntimeException e) {
                if (tx) {
                    conn.rollback();
                }
                throw e;
            } finally {
                if (tx) {
                    conn.setAutoCommit(true);
                }
            }
        };
        return observed(() -> readOnly ? readWhereAllowed(run) : router.onTenantShard(tenant, holdMillis, run));
    }

    private <T> T observed(Supplier<T> call) {
        long start = System.nanoTime();
        boolean ok = false;
        try {
            T r = call.get();
            ok = true;
            return r;
        } catch (ShardQueryException e) {
            ok = true; // the shard served; the statement itself was refused (the caller's error, not an outage)
            throw e;
        } finally {
            router.signals().outcome(new OutcomeEvent(tenant, "sharding.query", ok, (System.nanoTime() - start) / 1_000_000, Instant.now()));
        }
    }
}
