package io.headroom.search.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The search configuration (PID {@code io.headroom.search}), read by {@link SearchNode} and shared by every search component. */
@ObjectClassDefinition(name = "Headroom search migration")
public @interface SearchConfig {
    @AttributeDefinition(description = "Elasticsearch HTTP endpoints, comma-separated")
    String endpoints() default "http://127.0.0.1:9200";

    @AttributeDefinition(description = "How often this node reloads collections, layouts and migrations from the control schema, ms")
    long refreshMillis() default 500;

    @AttributeDefinition(description = "Elasticsearch request timeout of tenants' requests and the control plane, ms")
    int timeoutMillis() default 10_000;

    @AttributeDefinition(description = "Elasticsearch request timeout of the backfill and the validation, ms (they wait out a busy node)")
    int backgroundTimeoutMillis() default 60_000;

    @AttributeDefinition(description = "Documents per backfill batch (one PIT page, one bulk)")
    int backfillBatch() default 1000;

    @AttributeDefinition(description = "Tenants copied (and validated) at once by this node")
    int backfillThreads() default 2;

    @AttributeDefinition(description = "Backfill pace, documents per second per node, all copiers together (0: unpaced)")
    double backfillDocsPerSecond() default 20_000;

    @AttributeDefinition(description = "Documents compared in full per tenant at validation")
    int validationSamples() default 20;

    @AttributeDefinition(description = "index.gc_deletes on target indexes while a migration runs (delete tombstones kept that long)")
    String migrationGcDeletes() default "12h";

    @AttributeDefinition(description = "Wait after dual-write starts before the backfill scans, ms (every node must see dual-write first)")
    long startGraceMillis() default 2000;

    @AttributeDefinition(description = "Deletes are remembered in the control schema this long (and while a migration is open), hours")
    long tombstoneRetentionHours() default 24;
}
