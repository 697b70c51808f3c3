/**
 * The fleet: this node's identity, the nodes sharing the control schema, and leases that let exactly one node run a
 * piece of background work (a tenant move, a schema change, a backfill, an evaluator) and let another take it over
 * when that node dies. Two helpers over the leases: {@link io.headroom.core.api.fleet.LeasedRole} holds one role of the
 * fleet from a loop (an evaluator, a watch), {@link io.headroom.core.api.fleet.LeasedWork} runs keyed pieces of work
 * (moves, schema changes, backfills), each in a {@link io.headroom.core.api.fleet.LeasedRunner} holding its own lease.
 */
@Export
@Version("1.2.0")
package io.headroom.core.api.fleet;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
