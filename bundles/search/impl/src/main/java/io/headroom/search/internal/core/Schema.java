package io.headroom.search.internal.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A collection layout's declared schema: the fields of its mappings, each of a type Headroom knows (keyword, text with an
 * analyzer, numeric, date, boolean, geo_point, dense_vector with dims and similarity), and what becomes of a field it
 * does not declare: refused (strict, the default) or kept in the source unindexed ({@code "dynamic": false}). One
 * tenant's document can therefore never change a field's type for the others sharing the index. A schema change is a
 * new layout, through the migration workflow.
 */
public record Schema(Map<String, Field> fields, boolean strict) {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final Set<String> NUMERIC = Set.of("long", "integer", "short", "byte", "double", "float", "half_float");
    /** The analyzers the node ships without plugins. */
    public static final Set<String> ANALYZERS = Set.of("standard", "simple", "whitespace", "keyword", "stop");
    public static final Set<String> SIMILARITIES = Set.of("cosine", "dot_product", "l2_norm", "max_inner_product");
    public static final int MAX_DIMS = 4096;
    /** How a vector field is indexed; plain float HNSW unless declared (quantized graphs trade recall for memory). */
    public static final Set<String> INDEX_OPTIONS = Set.of("hnsw", "int8_hnsw", "int4_hnsw", "bbq_hnsw", "flat", "int8_flat");
    public static final int MAX_FIELDS = 500;

    /** A declared field: its type; {@code dims} and {@code similarity} for vectors; {@code embed} names an embeddings route. */
    public record Field(String name, String type, int dims, String similarity, String embedRoute, String embedFrom) {
        public boolean numeric() {
            return NUMERIC.contains(type);
        }

        public boolean text() {
            return "text".equals(type);
        }

        public boolean vector() {
            return "dense_vector".equals(type);
        }

        /** Exact-value fields: terms, ranges, sorting and bucketing. */
        public boolean exact() {
            return numeric() || "keyword".equals(type) || "date".equals(type) || "boolean".equals(type);
        }
    }

    public Schema {
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** Parses (and checks) a layout's mappings; IllegalArgumentException naming what is wrong. */
    public static Schema parse(String mappings) {
        JsonNode root;
        try {
            root = JSON.readTree(mappings == null || mappings.isBlank() ? "{}" : mappings);
        } catch (IOException e) {
            throw new IllegalArgumentException("mappings must be a JSON object: " + e.getMessage());
        }
        if (!(root instanceof ObjectNode m)) {
            throw new IllegalArgumentException("mappings must be a JSON object");
        }
        for (Iterator<String> it = m.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals("properties") && !k.equals("dynamic") && !k.equals("_source")) {
                throw new IllegalArgumentException("mappings: '" + k + "' is not supported; declare 'properties' and optionally 'dynamic'");
            }
        }
        boolean strict = true;
        JsonNode dyn = m.get("dynamic");
        if (dyn != null) {
            String d = dyn.asText();
            if (d.equals("false")) {
                strict = false;
            } else if (!d.equals("strict")) {
                throw new IllegalArgumentException("mappings: 'dynamic' must be \"strict\" (unknown fields refused, the default) or false "
                        + "(unknown fields stored unindexed), not " + dyn);
            }
        }
        Map<String, Field> fields = new LinkedHashMap<>();
        JsonNode props = m.get("properties");
        if (props != null) {
            if (!props.isObject()) {
                throw new IllegalArgumentException("mappings: 'properties' must be an object of fields");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
                var e = it.next();
                fields.put(e.getKey(), field(e.getKey(), e.getValue()));
            }
        }
        if (fields.size() > MAX_FIELDS) {
            throw new IllegalArgumentException("a schema declares at most " + MAX_FIELDS + " fields, not " + fields.size());
        }
        return new Schema(fields, strict);
    }

    private static Field field(String name, JsonNode def) {
        if (name.isEmpty() || name.startsWith("_") || name.contains(".") || name.length() > 100) {
            throw new IllegalArgumentException("field '" + name + "': names are 1-100 characters, without '.' and not starting with '_'");
        }
        String type = def.path("type").asText("");
        int dims = 0;
        String similarity = null;
        String route = null;
        String from = null;
        switch (type) {
            case "keyword", "date", "boolean", "geo_point" -> { }
            case "text" -> {
                String a = def.path("analyzer").asText("standard");
                if (!ANALYZERS.contains(a)) {
                    throw new IllegalArgumentException("field '" + name + "': analyzer '" + a + "' is not available; use one of " + ANALYZERS);
                }
            }
            case "dense_vector" -> {
                dims = def.path("dims").asInt(0);
                if (dims < 1 || dims > MAX_DIMS) {
                    throw new IllegalArgumentException("field '" + name + "': a dense_vector needs 'dims' 1-" + MAX_DIMS);
                }
                similarity = def.path("similarity").asText("cosine");
                if (!SIMILARITIES.contains(similarity)) {
                    throw new IllegalArgumentException("field '" + name + "': similarity must be one of " + SIMILARITIES + ", not '" + similarity + "'");
                }
                String io = def.path("index_options").path("type").asText("hnsw");
                if (!INDEX_OPTIONS.contains(io)) {
                    throw new IllegalArgumentException("field '" + name + "': index_options.type must be one of " + INDEX_OPTIONS);
                }
                JsonNode meta = def.path("meta");
                route = meta.hasNonNull("embed_route") ? meta.get("embed_route").asText() : null;
                from = meta.hasNonNull("embed_from") ? meta.get("embed_from").asText() : null;
                if ((route == null) != (from == null)) {
                    throw new IllegalArgumentException("field '" + name + "': meta.embed_route and meta.embed_from go together");
                }
            }
            default -> {
                if (!NUMERIC.contains(type)) {
                    throw new IllegalArgumentException("field '" + name + "': type '" + type + "' is not supported; use keyword, text, "
                            + String.join(", ", NUMERIC.stream().sorted().toList()) + ", date, boolean, geo_point or dense_vector");
                }
            }
        }
        return new Field(name, type, dims, similarity, route, from);
    }

    /** The mappings Elasticsearch gets: as declared, with the dynamic policy spelled out and vectors indexed for kNN. */
    public ObjectNode elasticMappings(String mappings) {
        ObjectNode m;
        try {
            m = (ObjectNode) JSON.readTree(mappings == null || mappings.isBlank() ? "{}" : mappings);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        if (strict) {
            m.put("dynamic", "strict");
        } else {
            m.put("dynamic", false);
        }
        ObjectNode props = m.has("properties") ? (ObjectNode) m.get("properties") : m.putObject("properties");
        for (Field f : fields.values()) {
            if (f.vector()) {
                ObjectNode v = (ObjectNode) props.get(f.name());
                v.put("index", true).put("similarity", f.similarity());
                if (!v.has("index_options")) {
                    v.putObject("index_options").put("type", "hnsw");
                }
            }
        }
        return m;
    }

    public Field field(String name) {
        return fields.get(name);
    }

    /**
     * Checks a document before anything is written: an undeclared field in a strict schema, or a value that cannot be of
     * its field's type, is an IllegalArgumentException naming the document and the field.
     */
    public void check(String id, Map<String, Object> document) {
        for (Map.Entry<String, Object> e : document.entrySet()) {
            Field f = fields.get(e.getKey());
            if (f == null) {
                if (strict) {
                    throw new IllegalArgumentException("document " + id + ": field '" + e.getKey() + "' is not declared in the collection's schema");
                }
                continue;
            }
            Object v = e.getValue();
            if (v == null) {
                continue;
            }
            String wrong = null;
            if (f.numeric() && !(v instanceof Number) && !(v instanceof List<?>)) {
                wrong = "a number";
            } else if ("boolean".equals(f.type()) && !(v instanceof Boolean) && !(v instanceof List<?>)) {
                wrong = "true or false";
            } else if (f.vector()) {
                if (!(v instanceof List<?> l) || l.size() != f.dims() || !l.stream().allMatch(x -> x instanceof Number)) {
                    wrong = "an array of " + f.dims() + " numbers";
                }
            } else if (("keyword".equals(f.type()) || f.text()) && (v instanceof Map<?, ?>)) {
                wrong = "a string";
            }
            if (wrong != null) {
                throw new IllegalArgumentException("document " + id + ": field '" + e.getKey() + "' (" + f.type() + ") must be " + wrong);
            }
        }
    }
}
