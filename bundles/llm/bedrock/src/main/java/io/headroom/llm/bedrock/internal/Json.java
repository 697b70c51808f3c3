package io.headroom.llm.bedrock.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.headroom.llm.api.ProviderException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkNumber;
import software.amazon.awssdk.core.document.Document;

/** JSON text (tool arguments and schemas) to the SDK's {@link Document} and back. */
final class Json {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Json() {
    }

    static JsonNode tree(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new ProviderException("not valid JSON: " + e.getMessage(), 400, false, 0, null);
        }
    }

    static Document document(String text) {
        return document(tree(text));
    }

    static Document document(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return Document.fromNull();
        }
        if (n.isObject()) {
            Map<String, Document> map = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> fields = n.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                map.put(f.getKey(), document(f.getValue()));
            }
            return Document.fromMap(map);
        }
        if (n.isArray()) {
            List<Document> list = new ArrayList<>();
            n.forEach(x -> list.add(document(x)));
            return Document.fromList(list);
        }
        if (n.isBoolean()) {
            return Document.fromBoolean(n.booleanValue());
        }
        if (n.isNumber()) {
            return Document.fromNumber(SdkNumber.fromBigDecimal(n.decimalValue()));
        }
        return Document.fromString(n.asText());
    }

    static String text(Document d) {
        return tree(d).toString();
    }

    private static JsonNode tree(Document d) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (d == null || d.isNull()) {
            return f.nullNode();
        }
        if (d.isMap()) {
            ObjectNode o = f.objectNode();
            d.asMap().forEach((k, v) -> o.set(k, tree(v)));
            return o;
        }
        if (d.isList()) {
            ArrayNode a = f.arrayNode();
            d.asList().forEach(v -> a.add(tree(v)));
            return a;
        }
        if (d.isBoolean()) {
            return f.booleanNode(d.asBoolean());
        }
        if (d.isNumber()) {
            return f.numberNode(d.asNumber().bigDecimalValue());
        }
        return f.textNode(d.asString());
    }
}
