/** Search migration: tenant-scoped indexing and search on Elasticsearch, and online index-layout migrations. */
@Export
@Version("1.2.0")
package io.headroom.search.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
