package io.headroom.queue.internal.store;

import io.headroom.core.api.store.Migration;
import java.util.List;

/** The queue's tables in the control schema, as migrations of the component {@value #COMPONENT}. */
public final class QueueSchema {
    public static final String COMPONENT = "queue";

    private QueueSchema() {
    }

    public static final List<Migration> MIGRATIONS = List.of(Migration.of(1, "queue tenant settings",
            "CREATE TABLE IF NOT EXISTS queue_tenants (tenant VARCHAR(63) NOT NULL PRIMARY KEY, weight INT NOT NULL DEFAULT 1,"
                    + " cap INT NOT NULL DEFAULT 0, paused BOOLEAN NOT NULL DEFAULT FALSE) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"),
            Migration.of(2, "remote job types",
                    "CREATE TABLE IF NOT EXISTS queue_types (name VARCHAR(100) NOT NULL PRIMARY KEY, delivery VARCHAR(8) NOT NULL,"
                            + " url VARCHAR(2000) NULL, secret VARCHAR(200) NULL, max_attempts INT NOT NULL, backoff_millis BIGINT NOT NULL,"
                            + " visibility_seconds INT NOT NULL, timeout_millis BIGINT NOT NULL, concurrency INT NOT NULL)"
                            + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"),
            Migration.of(3, "HIGH budget per tenant", "ALTER TABLE queue_tenants ADD COLUMN high_budget INT NOT NULL DEFAULT 0"),
            Migration.of(4, "each node's queue load, for the fleet's view",
                    "CREATE TABLE IF NOT EXISTS queue_node_load (node VARCHAR(100) NOT NULL, backend VARCHAR(16) NOT NULL,"
                            + " scope VARCHAR(100) NOT NULL, tenant VARCHAR(63) NOT NULL, submitted DOUBLE NOT NULL, backlog INT NOT NULL,"
                            + " in_flight INT NOT NULL, updated_at TIMESTAMP(3) NOT NULL, PRIMARY KEY (node, backend, scope, tenant))"
                            + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
                    "CREATE TABLE IF NOT EXISTS queue_node_open (node VARCHAR(100) NOT NULL, backend VARCHAR(16) NOT NULL,"
                            + " tenant VARCHAR(63) NOT NULL, open_jobs BIGINT NOT NULL, open_high BIGINT NOT NULL,"
                            + " updated_at TIMESTAMP(3) NOT NULL, PRIMARY KEY (node, backend, tenant)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"),
            Migration.of(5, "remote workers' leases, settled on any node",
                    "CREATE TABLE IF NOT EXISTS queue_leases (id VARCHAR(100) NOT NULL PRIMARY KEY, node VARCHAR(100) NOT NULL,"
                            + " state VARCHAR(8) NOT NULL, expires_at TIMESTAMP(3) NOT NULL, error VARCHAR(1000) NULL,"
                            + " delay_millis BIGINT NOT NULL DEFAULT -1, done BOOLEAN NOT NULL DEFAULT FALSE, updated_at TIMESTAMP(3) NOT NULL,"
                            + " job_id VARCHAR(64) NOT NULL, tenant VARCHAR(63) NOT NULL, type VARCHAR(100) NOT NULL, priority VARCHAR(8) NOT NULL,"
                            + " attempt INT NOT NULL, enqueued_at BIGINT NOT NULL, KEY queue_leases_node (node, done))"
                            + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"),
            Migration.of(6, "job states readable and cancellable on any node",
                    "CREATE TABLE IF NOT EXISTS queue_jobs (id VARCHAR(64) NOT NULL PRIMARY KEY, node VARCHAR(100) NOT NULL,"
                            + " tenant VARCHAR(63) NOT NULL, type VARCHAR(100) NOT NULL, state VARCHAR(10) NOT NULL, attempts INT NOT NULL,"
                            + " last_error VARCHAR(1000) NULL, enqueued_at BIGINT NOT NULL, not_before BIGINT NULL, updated_at BIGINT NOT NULL,"
                            + " cancel VARCHAR(10) NULL, KEY queue_jobs_updated (updated_at), KEY queue_jobs_cancel (cancel))"
                            + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"),
            Migration.of(7, "a lease keeps its job's handle in the backend, so any node finishes it when its holder is gone",
                    "ALTER TABLE queue_leases ADD COLUMN backend VARCHAR(16) NOT NULL DEFAULT '', ADD COLUMN job_handle VARCHAR(2500) NULL,"
                            + " ADD KEY queue_leases_unfinished (done, updated_at)"));
}
