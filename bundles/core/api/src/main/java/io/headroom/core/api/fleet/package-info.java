/**
 * The fleet: this node's identity, the nodes sharing the control schema, and leases that let exactly one node run a
 * piece of background work (a tenant move, a schema change, a backfill, an evaluator) and let another take it over
 * when that node dies.
 */
@Export
@Version("1.0.0")
package io.headroom.core.api.fleet;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
