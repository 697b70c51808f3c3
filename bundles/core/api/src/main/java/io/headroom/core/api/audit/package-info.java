/**
 * The audit log: who did what to the platform, when, and with what outcome (tokens, flags, shards, moves, schema
 * changes, migrations, LLM routes, queue limits, releases), kept in the control schema for every node to read. Operator
 * requests over REST and commands typed in the Karaf shell are recorded by the core itself; a capability records the
 * actions it takes on its own (an automatic rollback, say) through {@link io.headroom.core.api.audit.AuditLog}.
 */
@Export
@Version("1.0.0")
package io.headroom.core.api.audit;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
