/**
 * Tenant load: the ledger of each tenant's share of every layer (sharding, queue, LLM, search, REST), its spikes
 * against its own baseline, and the per-tenant limits an operator sets in one place and each capability applies to its
 * own layer.
 */
@Export
@Version("1.2.0")
package io.headroom.core.api.load;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
