package io.headroom.search.internal.engine;

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
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.http.entity.ByteArrayEntity;
import org.apache.http.entity.ContentType;
import org.apache.http.util.EntityUtils;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import io.headroom.core.api.TenantId;
import io.headroom.search.internal.core.Schema;
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
public final class Elastic implements AutoCloseable {
    public static final String TENANT = "_hr_tenant";
    public static final String ID = "_hr_id";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One write as the outbox and the bulk call see it: {@code document} null means delete. */
    public record Write(String index, TenantId tenant, String id, long version, Map<String, Object> document, byte[] source) {
        /** A write of a document given as fields (null: a delete); the capability's own fields are added when sent. */
        public Write(String index, TenantId tenant, String id, long version, Map<String, Object> document) {
            this(index, tenant, id, version, document, null);
        }

        /** A copy of a stored document: its source exactly as Elasticsearch returned it, own fields included. */
        public static Write raw(String index, TenantId tenant, String id, long version, byte[] source) {
            return new Write(index, tenant, id, version, null, source);
        }

        public boolean delete() {
            return document == null && source == null;
        }
    }

    /** The result of one write in a bulk: applied (or a newer version already there), retryable, or refused for good. */
    public enum Outcome { APPLIED, RETRY, REJECTED }

    public record WriteOutcome(Outcome outcome, String error) {
    }

    public record Doc(String id, long version, Map<String, Object> source) {
    }

    /** A stored document as a copy reads it: the source bytes as stored (own fields included), not parsed. */
    public record RawDoc(String id, long version, byte[] source) {
    }

    private final RestClient rest;
    private final ElasticsearchClient client;

    public Elastic(List<String> endpoints, int timeoutMillis) {
        HttpHost[] hosts = endpoints.stream().map(HttpHost::create).toArray(HttpHost[]::new);
        this.rest = RestClient.builder(hosts)
                .setRequestConfigCallback(c -> c.setConnectTimeout(Math.min(timeoutMillis, 5000)).setSocketTimeout(timeoutMillis))
                .build();
        this.client = new ElasticsearchClient(new RestClientTransport(rest, new JacksonJsonpMapper()));
    }

    public static String storedId(TenantId tenant, String id) {
        return tenant.value() + "/" + id;
    }

    /**
     * Mappings as Elasticsearch gets them: the declared schema checked ({@link Schema}: strict unless it says otherwise)
     * and the capability's own fields added; the input must be a JSON object.
     */
    public static String mappingsWithOwnFields(String mappings) {
        try {
            ObjectNode m = Schema.parse(mappings).elasticMappings(mappings);
            ObjectNode props = m.has("properties") ? (ObjectNode) m.get("properties") : m.putObject("properties");
            props.putObject(TENANT).put("type", "keyword");
            props.putObject(ID).put("type", "keyword");
            return JSON.writeValueAsString(m);
        } catch (IOException | ClassCastException e) {
            throw new IllegalArgumentException("mappings must be a JSON object: " + e.getMessage());
        }
    }

    /** Parses an object of settings or mappings, or throws IllegalArgumentException. */
    public static ObjectNode object(String json, String what) {
        try {
            if (JSON.readTree(json) instanceof ObjectNode o) {
                return o;
            }
        } catch (IOException e) {
            // reported below
        }
        throw new IllegalArgumentException(what + " must be a JSON object");
    }

    public static String toJson(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> fromJson(String json) {
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
    public void createIndex(String name, String mappings, String settings, Map<String, String> extraSettings) throws IOException {
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

    public static String reason(ElasticsearchException e) {
        var err = e.error();
        String r = err.reason();
        if (err.causedBy() != null && err.causedBy().reason() != null) {
            r = r + " (" + err.causedBy().reason() + ")";
        }
        return r;
    }

    public void deleteIndexes(List<String> names) throws IOException {
        if (!names.isEmpty()) {
            client.indices().delete(d -> d.index(names).ignoreUnavailable(true));
        }
    }

    /** Sets an index setting on the indexes; a null value puts back Elasticsearch's default. */
    public void putSetting(List<String> indexes, String key, String value) throws IOException {
        String json = "{\"index\":{\"" + key.replace("index.", "") + "\":" + JSON.writeValueAsString(value) + "}}";
        client.indices().putSettings(p -> p.index(indexes).withJson(new StringReader(json)));
    }

    /** Whether any of the indexes has the setting at the value (index.* settings, e.g. refresh_interval). */
    public boolean anySetting(List<String> indexes, String key, String value) throws IOException {
        Request request = new Request("GET", "/" + String.join(",", indexes) + "/_settings/index." + key);
        request.addParameter("ignore_unavailable", "true");
        JsonNode all = JSON.readTree(EntityUtils.toByteArray(rest.performRequest(request).getEntity()));
        for (JsonNode index : all) {
            if (value.equals(index.path("settings").path("index").path(key).asText(null))) {
                return true;
            }
        }
        return false;
    }

    public void refresh(List<String> indexes) throws IOException {
        client.indices().refresh(r -> r.index(indexes).ignoreUnavailable(true));
    }

    public boolean ping() {
        try {
            return client.ping().value();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    public String version() throws IOException {
        return client.info().version().number();
    }

    /**
     * Applies writes with external versions: a version not above the stored one is a no-op (409), never an overwrite.
     * One NDJSON request through the low-level client: a copy's source bytes go out as they came in, and documents
     * given as fields are serialised once, with the capability's own fields.
     */
    public List<WriteOutcome> bulk(List<Write> writes, boolean refresh) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream(writes.size() * 256);
        for (Write w : writes) {
            String id = storedId(w.tenant(), w.id());
            body.write(w.delete() ? DELETE_OP : INDEX_OP);
            writeString(body, w.index());
            body.write(ID_KEY);
            writeString(body, id);
            body.write(ROUTING_KEY);
            writeString(body, w.tenant().value());
            body.write(VERSION_KEY);
            body.write(Long.toString(w.version()).getBytes(StandardCharsets.US_ASCII));
            body.write(OP_END);
            if (!w.delete()) {
                if (w.source() != null) {
                    body.write(w.source());
                } else {
                    Map<String, Object> doc = new LinkedHashMap<>(w.document());
                    doc.put(TENANT, w.tenant().value());
                    doc.put(ID, w.id());
                    JSON.writeValue(body, doc);
                }
                body.write('\n');
            }
        }
        Request request = new Request("POST", "/_bulk");
        request.addParameter("refresh", refresh ? "true" : "false");
        request.addParameter("filter_path", "items.*.status,items.*.error.type,items.*.error.reason");
        request.setEntity(new ByteArrayEntity(body.toByteArray(), NDJSON));
        Response response = rest.performRequest(request);
        List<WriteOutcome> out = new ArrayList<>(writes.size());
        try (InputStream in = response.getEntity().getContent(); JsonParser p = JSON.getFactory().createParser(in)) {
            // {"items":[{"index":{"status":201}}, {"delete":{"status":404,"error":{"type":..,"reason":..}}}, ...]}
            while (p.nextToken() != null) {
                if (p.currentToken() == JsonToken.FIELD_NAME && "items".equals(p.currentName()) && p.getParsingContext().getParent().inRoot()) {
                    p.nextToken(); // START_ARRAY
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        p.nextToken(); // the operation's name
                        p.nextToken(); // START_OBJECT
                        int status = 0;
                        String type = null;
                        String reason = null;
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String f = p.currentName();
                            p.nextToken();
                            if ("status".equals(f)) {
                                status = p.getIntValue();
                            } else if ("error".equals(f) && p.currentToken() == JsonToken.START_OBJECT) {
                                while (p.nextToken() == JsonToken.FIELD_NAME) {
                                    String e = p.currentName();
                                    p.nextToken();
                                    if ("type".equals(e)) {
                                        type = p.getValueAsString();
                                    } else if ("reason".equals(e)) {
                                        reason = p.getValueAsString();
                                    } else {
                                        p.skipChildren();
                                    }
                                }
                            } else {
                                p.skipChildren();
                            }
                        }
                        p.nextToken(); // END_OBJECT of the item
                        out.add(outcome(status, type == null ? null : type + ": " + reason));
                    }
                }
            }
        }
        if (out.size() != writes.size()) {
            throw new IOException("bulk answered " + out.size() + " items for " + writes.size() + " writes");
        }
        return out;
    }

    /** Whether a write was refused because its index does not exist (any more). */
    public static boolean indexGone(WriteOutcome o) {
        return o.outcome() == Outcome.REJECTED && o.error() != null && o.error().contains("index_not_found_exception");
    }

    static WriteOutcome outcome(int status, String error) {
        if (status / 100 == 2 || status == 409 || (status == 404 && error == null)) {
            return new WriteOutcome(Outcome.APPLIED, null);
        }
        String e = error == null ? "status " + status : error;
        return status == 400 || status == 404 ? new WriteOutcome(Outcome.REJECTED, e) : new WriteOutcome(Outcome.RETRY, e);
    }

    private static final ContentType NDJSON = ContentType.create("application/x-ndjson", StandardCharsets.UTF_8);
    private static final byte[] INDEX_OP = "{\"index\":{\"_index\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DELETE_OP = "{\"delete\":{\"_index\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ID_KEY = ",\"_id\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ROUTING_KEY = ",\"routing\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] VERSION_KEY = ",\"version_type\":\"external\",\"version\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OP_END = "}}\n".getBytes(StandardCharsets.US_ASCII);

    private static void writeString(ByteArrayOutputStream out, String s) throws IOException {
        out.write(JSON.writeValueAsBytes(s));
    }

    /** Removes a document written at exactly {@code version} (external_gte): undoing a write the other layout refused. */
    public void deleteAtOrAbove(String index, TenantId tenant, String id, long version) throws IOException {
        client.bulk(b -> b.operations(o -> o.delete(d -> d.index(index).id(storedId(tenant, id)).routing(tenant.value())
                .version(version).versionType(VersionType.ExternalGte))));
    }

    private static Query tenantFilter(TenantId tenant) {
        return Query.of(q -> q.term(t -> t.field(TENANT).value(tenant.value())));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public SearchResponse<Map> search(String index, TenantId tenant, String text, int from, int size) throws IOException {
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
     * Runs a search body built by {@link io.headroom.search.internal.core.QueryPlan} (the tenant filter already in it) on
     * the tenant's index and routing. A request Elasticsearch refuses (400) is an IllegalArgumentException with its reason.
     */
    public JsonNode searchJson(String index, TenantId tenant, JsonNode body) throws IOException {
        Request request = new Request("POST", "/" + index + "/_search");
        request.addParameter("routing", tenant.value());
        request.setEntity(new ByteArrayEntity(JSON.writeValueAsBytes(body), ContentType.APPLICATION_JSON));
        try {
            return JSON.readTree(EntityUtils.toByteArray(rest.performRequest(request).getEntity()));
        } catch (org.elasticsearch.client.ResponseException e) {
            int status = e.getResponse().getStatusLine().getStatusCode();
            if (status == 400) {
                JsonNode err = JSON.readTree(EntityUtils.toByteArray(e.getResponse().getEntity())).path("error");
                String reason = err.path("root_cause").path(0).path("reason").asText(err.path("reason").asText("bad request"));
                JsonNode caused = err.path("caused_by");
                if (!caused.isMissingNode() && caused.has("reason")) {
                    reason = reason + " (" + caused.path("reason").asText() + ")";
                }
                throw new IllegalArgumentException("query refused: " + reason);
            }
            throw e;
        }
    }

    /**
     * Pages through a tenant's documents in id order after {@code afterId} (null: from the start), on a point in time.
     * The sources are not parsed: each one is the exact bytes of the response (as stored, own fields included), so a
     * copy sends them on unchanged.
     */
    public List<RawDoc> page(String pit, TenantId tenant, String afterId, int size) throws IOException {
        ObjectNode q = JSON.createObjectNode();
        q.putObject("pit").put("id", pit).put("keep_alive", "2m");
        q.put("size", size).put("version", true).put("track_total_hits", false);
        q.putObject("query").putObject("term").put(TENANT, tenant.value());
        q.putArray("sort").addObject().put(ID, "asc");
        if (afterId != null) {
            q.putArray("search_after").add(afterId);
        }
        Request request = new Request("POST", "/_search");
        request.addParameter("filter_path", "hits.hits._id,hits.hits._version,hits.hits._source");
        request.setEntity(new ByteArrayEntity(JSON.writeValueAsBytes(q), ContentType.APPLICATION_JSON));
        byte[] body = EntityUtils.toByteArray(rest.performRequest(request).getEntity());
        List<RawDoc> docs = new ArrayList<>(size);
        hits(body, true, (id, version, from, to) -> {
            byte[] src = Arrays.copyOfRange(body, from, to);
            docs.add(new RawDoc(id, version, oneLine(src)));
        });
        return docs;
    }

    /** A hit as the streaming reader sees it: the caller's id, the version, and where its source is in the body (or -1). */
    interface HitSink {
        void hit(String id, long version, int sourceFrom, int sourceTo) throws IOException;
    }

    /** Reads {@code hits.hits} of a search response without building objects for them. */
    static void hits(byte[] body, boolean withSource, HitSink sink) throws IOException {
        try (JsonParser p = JSON.getFactory().createParser(body)) {
            while (p.nextToken() != null) {
                if (p.currentToken() == JsonToken.FIELD_NAME && "hits".equals(p.currentName()) && !p.getParsingContext().getParent().inRoot()) {
                    if (p.nextToken() != JsonToken.START_ARRAY) {
                        continue;
                    }
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        String id = null;
                        long version = -1;
                        int from = -1;
                        int to = -1;
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String f = p.currentName();
                            JsonToken t = p.nextToken();
                            if ("_id".equals(f)) {
                                String stored = p.getText();
                                id = stored.substring(stored.indexOf('/') + 1);
                            } else if ("_version".equals(f)) {
                                version = p.getLongValue();
                            } else if ("sort".equals(f) && t == JsonToken.START_ARRAY) {
                                // the first sort value is the caller's id when the hit comes without stored fields
                                if (p.nextToken() == JsonToken.VALUE_STRING && id == null) {
                                    id = p.getText();
                                }
                                if (p.currentToken() != JsonToken.END_ARRAY) {
                                    p.skipChildren();
                                    while (p.nextToken() != JsonToken.END_ARRAY) {
                                        p.skipChildren();
                                    }
                                }
                            } else if ("_source".equals(f) && withSource && t == JsonToken.START_OBJECT) {
                                from = (int) p.currentTokenLocation().getByteOffset();
                                p.skipChildren();
                                to = (int) p.currentLocation().getByteOffset();
                            } else {
                                p.skipChildren();
                            }
                        }
                        if (id == null || version < 0) {
                            throw new IOException("a hit without _id or _version");
                        }
                        sink.hit(id, version, from, to);
                    }
                    return;
                }
            }
        }
    }

    /** A source is one NDJSON line: stored sources are compact, but one with a raw line break is re-serialised. */
    static byte[] oneLine(byte[] src) throws IOException {
        for (byte b : src) {
            if (b == '\n' || b == '\r') {
                return JSON.writeValueAsBytes(JSON.readTree(src));
            }
        }
        return src;
    }

    public String openPit(String index) throws IOException {
        return client.openPointInTime(p -> p.index(index).keepAlive(k -> k.time("2m"))).id();
    }

    public void closePit(String pit) {
        try {
            client.closePointInTime(c -> c.id(pit));
        } catch (IOException | RuntimeException e) {
            // it expires by itself
        }
    }

    /**
     * Scans every (id, version) of a tenant in one index in id order, in pages of 10,000 without stored fields (no point in
     * time: each id is seen once, at its version when its page was read; validation compares in rounds anyway).
     * The ids come back in the order Elasticsearch sorts keywords (by UTF-8 bytes).
     */
    public void scanVersions(String index, TenantId tenant, VersionSink sink) throws IOException {
        String after = null;
        while (true) {
            ObjectNode q = JSON.createObjectNode();
            // no stored fields: the id comes from the sort value (doc values), which spares the fetch phase loading _id
            q.put("size", SCAN_PAGE).put("version", true).put("track_total_hits", false).put("stored_fields", "_none_");
            q.putObject("query").putObject("term").put(TENANT, tenant.value());
            q.putArray("sort").addObject().put(ID, "asc");
            if (after != null) {
                q.putArray("search_after").add(after);
            }
            Request request = new Request("POST", "/" + index + "/_search");
            request.addParameter("routing", tenant.value());
            request.addParameter("filter_path", "hits.hits._version,hits.hits.sort");
            request.setEntity(new ByteArrayEntity(JSON.writeValueAsBytes(q), ContentType.APPLICATION_JSON));
            byte[] body = EntityUtils.toByteArray(rest.performRequest(request).getEntity());
            String[] last = {null};
            int[] n = {0};
            hits(body, false, (id, version, from, to) -> {
                sink.accept(id, version);
                last[0] = id;
                n[0]++;
            });
            if (n[0] < SCAN_PAGE) {
                return;
            }
            after = last[0];
        }
    }

    static final int SCAN_PAGE = 10_000;

    /** Receives (id, version) pairs. */
    public interface VersionSink {
        void accept(String id, long version);
    }

    /** Real-time gets of a tenant's documents by id; absent ids are missing from the map. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Map<String, Doc> get(String index, TenantId tenant, List<String> ids) throws IOException {
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

    /** A stored source as the outbox keeps documents: its fields without the capability's own. */
    public static String fieldsJson(byte[] source) {
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = JSON.readValue(source, Map.class);
            return toJson(stripOwnFields(m));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Map<String, Object> stripOwnFields(Map<String, Object> source) {
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
