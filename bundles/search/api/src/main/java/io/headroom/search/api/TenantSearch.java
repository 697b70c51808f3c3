package io.headroom.search.api;

import io.headroom.core.api.TenantId;
import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Indexing and search within one tenant's documents of a collection. The tenant boundary is enforced here: every
 * write is stored under the tenant and every query is filtered to it, so a tenant never sees another's documents.
 * Versions are the caller's (external versioning): a write with a version not above the stored one is ignored, which
 * makes retries and replays safe. Writes go to whatever layouts the collection is currently written to (during a
 * migration, both); a side that fails is retried from the control schema's outbox, never dropped.
 */
@ProviderType
public interface TenantSearch {
    /** Indexes (creates or replaces) a document. */
    WriteResult index(String collection, TenantId tenant, String id, long version, Map<String, Object> document);

    /** Deletes a document; the version must be above the one it replaces. */
    WriteResult delete(String collection, TenantId tenant, String id, long version);

    /**
     * Applies up to 1000 writes of one tenant in one request per layout; all are checked before any is sent.
     * Counts in the result are writes times layouts.
     */
    WriteResult bulk(String collection, TenantId tenant, List<DocumentWrite> writes);

    /** Searches the tenant's documents. */
    SearchResult search(String collection, TenantId tenant, SearchQuery query);

    /**
     * Queries the tenant's documents in Headroom's query language (a JSON object as maps and lists: full text, filters,
     * sort, search_after, highlighting, source lists, aggregations, kNN and hybrid; see the README). Fields must be
     * declared in the collection's schema; bad input is an IllegalArgumentException naming the problem.
     */
    QueryResult query(String collection, TenantId tenant, Map<String, Object> request);

    /**
     * Applies up to 1000 writes of one tenant, each judged on its own: a write the collection's schema or Elasticsearch
     * refuses is reported in its item and the others are still applied.
     */
    List<ItemResult> bulkItems(String collection, TenantId tenant, List<DocumentWrite> writes);
}
