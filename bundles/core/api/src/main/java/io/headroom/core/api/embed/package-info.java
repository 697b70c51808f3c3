/**
 * Text embeddings through the LLM gateway's routes, for other capabilities (search's vector fields) and bundles: the
 * same routing, failover, limits and tenant accounting as a client's {@code POST /v1/embeddings}.
 */
@Export
@Version("1.0.0")
package io.headroom.core.api.embed;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
