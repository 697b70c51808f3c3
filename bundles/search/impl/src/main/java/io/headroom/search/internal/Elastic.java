package io.headroom.search.internal;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.Refresh;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.VersionType;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.MgetResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch.core.mget.MultiGetResponseItem;
import co.elastic.clients.elasticsearch.core.search.Hit;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.headroom.core.api.TenantId;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.http.HttpHost;
import org.elasticsearch.client.RestClient;

/**
 * Everything Headroom asks of Elasticsearch, through the official Java client. Every document carries two keyword
 * fields the capability owns: {@value #TENANT} (every query filters on it; routing is by tenant too) and {@value #ID}
 * (the caller's id: a stable sort key for resumable scans). Stored ids are {@code tenant/id}, unique in shared indexes.
 */
final class Elastic implements AutoCloseable {
    static final String TENANT = "_hr_tenant";
    static final String ID = "_hr_id";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One write as the outbox and the bulk call see it: {@code document} null means delete. */
    record Write(String index, TenantId tenant, String id, long version, Map<String, Object> document) {
    }

    /** The result of one write in a bulk: applied (or a newer version already there), retryable, or refused for good. */
    enum Outcome { APPLIED, RETRY, REJECTED }

    record WriteOutcome(Outcome outcome, String error) {
    }

    record Doc(String id, long version, Map<String, Object> source) {
    }

    private final RestClient rest;
    private final ElasticsearchClient client;

    Elastic(List<String> endpoints, int timeoutMillis) {
        HttpHost[] hosts = endpoints.stream().map(HttpHost::create).toArray(HttpHost[]::new);
        this.rest = RestClient.builder(hosts)
                .setRequestConfigCallback(c -> c.setConnectTimeout(Math.min(timeoutMillis, 5000)).setSocketTimeout(timeoutMillis))
                .build();
        this.client = new ElasticsearchClient(new RestClientTransport(rest, new JacksonJsonpMapper()));
    }

    static String storedId(TenantId tenant, String id) {
        return tenant.value() + "/" + id;
    }

    /** Mappings with the capability's own fields added; the input must be a JSON object. */
    static String mappingsWithOwnFields(String mappings) {
        try {
            ObjectNode m = (ObjectNode) JSON.readTree(mappings);
            ObjectNode props = m.has("properties") ? (ObjectNode) m.get("properties") : m.putObject("properties");
            if (props.has(TENANT) || props.has(ID)) {
                throw new IllegalArgumentException("fields starting with _hr_ belong to Headroom");
            }
            props.putObject(TENANT).put("type", "keyword");
            props.putObject(ID).put("type", "keyword");
            return JSON.writeValueAsString(m);
        } catch (IOException | ClassCastException e) {
            throw new IllegalArgumentException("mappings must be a JSON object: " + e.getMessage());
        }
    }

    /** Parses an object of settings or mappings, or throws IllegalArgumentException. */
    static ObjectNode object(String json, String what) {
        try {
            if (JSON.readTree(json) instanceof ObjectNode o) {
                return o;
            }
        } catch (IOException e) {
            // reported below
        }
        throw new IllegalArgumentException(what + " must be a JSON object");
    }

    static String toJson(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> fromJson(String json) {
        try {
            return JSON.readValue(json, Map.class);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Creates an index; a refused definition (bad mappings or settings) is an IllegalArgumentException with
     * Elasticsearch's reason. {@code extraSettings} (e.g. gc_deletes) are merged over the caller's settings.
     */
    void createIndex(String name, String mappings, String settings, Map<String, String> extraSettings) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode s = object(settings, "settings").deepCopy();
        extraSettings.forEach(s::put);
        body.set("settings", s);
        body.set("mappings", object(mappingsWithOwnFields(mappings), "mappings"));
        try {
            client.indices().create(c -> c.index(name).withJson(new StringReader(body.toString())));
        } catch (ElasticsearchException e) {
            if (e.status() == 400) {
                throw new IllegalArgumentException("Elasticsearch refused the index definition: " + reason(e));
            }
            throw e;
        } catch (co.elastic.clients.json.JsonpMappingException e) {
            throw new IllegalArgumentException("invalid index definition: " + e.getMessage());
        }
    }

    static String reason(ElasticsearchException e) {
        var err = e.error();
        String r = err.reason();
        if (err.causedBy() != null && err.causedBy().reason() != null) {
            r = r + " (" + err.causedBy().reason() + ")";
        }
        return r;
    }

    void deleteIndexes(List<String> names) throws IOException {
        if (!names.isEmpty()) {
            client.indices().delete(d -> d.index(names).ignoreUnavailable(true));
        }
    }

    /** Sets an index setting on the indexes; a null value puts back Elasticsearch's default. */
    void putSetting(List<String> indexes, String key, String value) throws IOException {
        String json = "{\"index\":{\"" + key.replace("index.", "") + "\":" + JSON.writeValueAsString(value) + "}}";
        client.indices().putSettings(p -> p.index(indexes).withJson(new StringReader(json)));
    }

    void refresh(List<String> indexes) throws IOException {
        client.indices().refresh(r -> r.index(indexes).ignoreUnavailable(true));
    }

    boolean ping() {
        try {
            return client.ping().value();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    String version() throws IOException {
        return client.info().version().number();
    }

    /** Applies writes with external versions: a version not above the stored one is a no-op (409), never an overwrite. */
    List<WriteOutcome> bulk(List<Write> writes, boolean refresh) throws IOException {
        List<BulkOperation> ops = new ArrayList<>(writes.size());
        for (Write w : writes) {
            String id = storedId(w.tenant(), w.id());
            if (w.document() == null) {
                ops.add(BulkOperation.of(o -> o.delete(d -> d.index(w.index()).id(id).routing(w.tenant().value())
                        .version(w.version()).versionType(VersionType.External))));
            } else {
                Map<String, Object> doc = new LinkedHashMap<>(w.document());
                doc.put(TENANT, w.tenant().value());
                doc.put(ID, w.id());
                ops.add(BulkOperation.of(o -> o.index(i -> i.index(w.index()).id(id).routing(w.tenant().value())
                        .version(w.version()).versionType(VersionType.External).document(doc))));
            }
        }
        BulkResponse response = client.bulk(b -> b.operations(ops).refresh(refresh ? Refresh.True : Refresh.False));
        List<WriteOutcome> out = new ArrayList<>(writes.size());
        for (BulkResponseItem item : response.items()) {
            int status = item.status();
            if (status / 100 == 2 || status == 409 || (status == 404 && item.error() == null)) {
                out.add(new WriteOutcome(Outcome.APPLIED, null));
            } else if (status == 400 || status == 404) {
                out.add(new WriteOutcome(Outcome.REJECTED, item.error() == null ? "status " + status : item.error().type() + ": " + item.error().reason()));
            } else {
                out.add(new WriteOutcome(Outcome.RETRY, item.error() == null ? "status " + status : item.error().type() + ": " + item.error().reason()));
            }
        }
        return out;
    }

    /** Removes a document written at exactly {@code version} (external_gte): undoing a write the other layout refused. */
    void deleteAtOrAbove(String index, TenantId tenant, String id, long version) throws IOException {
        client.bulk(b -> b.operations(o -> o.delete(d -> d.index(index).id(storedId(tenant, id)).routing(tenant.value())
                .version(version).versionType(VersionType.ExternalGte))));
    }

    private static Query tenantFilter(TenantId tenant) {
        return Query.of(q -> q.term(t -> t.field(TENANT).value(tenant.value())));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    SearchResponse<Map> search(String index, TenantId tenant, String text, int from, int size) throws IOException {
        return client.search(s -> {
            s.index(index).routing(tenant.value()).from(from).size(size).version(true).trackTotalHits(t -> t.enabled(true));
            s.query(q -> q.bool(b -> {
                b.filter(tenantFilter(tenant));
                if (text != null && !text.isBlank()) {
                    b.must(m -> m.simpleQueryString(sq -> sq.query(text)));
                }
                return b;
            }));
            return s;
        }, Map.class);
    }

    /**
     * Pages through a tenant's documents in id order after {@code afterId} (null: from the start), on a point in time.
     * {@code withSource} false fetches ids and versions only (validation).
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    List<Doc> page(String pit, TenantId tenant, String afterId, int size, boolean withSource) throws IOException {
        SearchResponse<Map> r = client.search(s -> {
            s.pit(p -> p.id(pit).keepAlive(k -> k.time("2m"))).size(size).version(true)
                    .query(tenantFilter(tenant)).sort(o -> o.field(f -> f.field(ID).order(SortOrder.Asc)));
            if (!withSource) {
                s.source(src -> src.fetch(false));
            }
            if (afterId != null) {
                s.searchAfter(FieldValue.of(afterId));
            }
            return s;
        }, Map.class);
        List<Doc> docs = new ArrayList<>();
        for (Hit<Map> h : r.hits().hits()) {
            Map<String, Object> src = h.source() == null ? null : stripOwnFields(h.source());
            String id = h.id().substring(h.id().indexOf('/') + 1);
            docs.add(new Doc(id, Objects.requireNonNull(h.version(), "version"), src));
        }
        return docs;
    }

    String openPit(String index) throws IOException {
        return client.openPointInTime(p -> p.index(index).keepAlive(k -> k.time("2m"))).id();
    }

    void closePit(String pit) {
        try {
            client.closePointInTime(c -> c.id(pit));
        } catch (IOException | RuntimeException e) {
            // it expires by itself
        }
    }

    /**
     * Scans every (id, version) of a tenant in one index into {@code sink}, in no particular order: on a point in time
     * sorted by {@code _shard_doc} (no sort work for Elasticsearch) in pages of 10,000 ids without sources. Unlike the
     * backfill's id-ordered pages this cannot resume after a restart, which validation does not need: it rescans.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    void scanVersions(String index, TenantId tenant, Consumer<Doc> sink) throws IOException {
        String pit = openPit(index);
        try {
            List<FieldValue> after = null;
            while (true) {
                List<FieldValue> from = after;
                SearchResponse<Map> r = client.search(s -> {
                    s.pit(p -> p.id(pit).keepAlive(k -> k.time("2m"))).size(10_000).version(true).source(src -> src.fetch(false))
                            .trackTotalHits(t -> t.enabled(false)).query(tenantFilter(tenant))
                            .sort(o -> o.field(f -> f.field("_shard_doc").order(SortOrder.Asc)));
                    if (from != null) {
                        s.searchAfter(from);
                    }
                    return s;
                }, Map.class);
                List<Hit<Map>> hits = r.hits().hits();
                if (hits.isEmpty()) {
                    return;
                }
                for (Hit<Map> h : hits) {
                    sink.accept(new Doc(h.id().substring(h.id().indexOf('/') + 1), Objects.requireNonNull(h.version(), "version"), null));
                }
                after = hits.get(hits.size() - 1).sort();
            }
        } finally {
            closePit(pit);
        }
    }

    /** Real-time gets of a tenant's documents by id; absent ids are missing from the map. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    Map<String, Doc> get(String index, TenantId tenant, List<String> ids) throws IOException {
        Map<String, Doc> out = new LinkedHashMap<>();
        if (ids.isEmpty()) {
            return out;
        }
        MgetResponse<Map> r = client.mget(m -> {
            m.index(index).realtime(true);
            for (String id : ids) {
                m.docs(d -> d.id(storedId(tenant, id)).routing(tenant.value()));
            }
            return m;
        }, Map.class);
        for (MultiGetResponseItem<Map> item : r.docs()) {
            if (item.isResult() && item.result().found()) {
                var res = item.result();
                String id = res.id().substring(res.id().indexOf('/') + 1);
                out.put(id, new Doc(id, res.version(), stripOwnFields(res.source())));
            } else if (item.isFailure()) {
                throw new IOException("get failed: " + item.failure().error().reason());
            }
        }
        return out;
    }

    static Map<String, Object> stripOwnFields(Map<String, Object> source) {
        Map<String, Object> m = new LinkedHashMap<>(source);
        m.remove(TENANT);
        m.remove(ID);
        return m;
    }

    @Override
    public void close() {
        try {
            rest.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
