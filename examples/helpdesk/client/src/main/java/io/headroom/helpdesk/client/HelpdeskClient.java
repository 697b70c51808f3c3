package io.headroom.helpdesk.client;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The helpdesk's client service: everything it does goes over Headroom's REST APIs with one credential (a tenant or
 * platform token, or an operator for {@link #setup}). Plain Java 17 ({@code java.net.http}) and no JSON library, so
 * it reads like the Python or Node service it stands for.
 *
 * <ul>
 *   <li>{@link #setup}: the sharded tables (sharding schema), the search collection, the pull job type and the SLOs.</li>
 *   <li>{@link #open} / {@link #reply}: the helpdesk bundle's own endpoints.</li>
 *   <li>{@link #draftReplies}: an agent assistant: finds unanswered conversations with search, drafts a reply with the
 *       LLM gateway (/v1/chat/completions), writes it through the Data API, re-indexes it and reports
 *       {@code helpdesk.reply} to the heartbeat.</li>
 *   <li>{@link #work}: a pull worker of {@code helpdesk.notify} jobs: leases, reads the conversation through the Data
 *       API, acks.</li>
 * </ul>
 */
public final class HelpdeskClient {
    public static final String COLLECTION = "helpdesk";
    public static final String NOTIFY_TYPE = "helpdesk.notify";
    /** The sharded tables (the bundle's {@code Tickets.DDL}: keep the two equal). */
    public static final List<String> DDL = List.of(
            "CREATE TABLE hd_conversations (tenant_id VARCHAR(63) NOT NULL, id VARCHAR(40) NOT NULL, subject VARCHAR(200) NOT NULL,"
                    + " status VARCHAR(16) NOT NULL, messages INT NOT NULL, ai_answer TEXT NULL, summary TEXT NULL,"
                    + " created DATETIME(3) NOT NULL, PRIMARY KEY (tenant_id, id))",
            "CREATE TABLE hd_messages (tenant_id VARCHAR(63) NOT NULL, id VARCHAR(40) NOT NULL, conversation_id VARCHAR(40) NOT NULL,"
                    + " author VARCHAR(63) NOT NULL, body TEXT NOT NULL, created DATETIME(3) NOT NULL, PRIMARY KEY (tenant_id, id))");
    private static final String MAPPINGS = "{\"properties\":{\"subject\":{\"type\":\"text\"},\"text\":{\"type\":\"text\"},"
            + "\"status\":{\"type\":\"keyword\"},\"messages\":{\"type\":\"integer\"}}}";

    /** One answer: status, body and Retry-After (seconds, or -1). */
    public record Answer(int status, String body, int retryAfter) {
        public boolean ok() {
            return status / 100 == 2;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String api;
    private final String authorization;

    /** {@code api}: e.g. {@code http://127.0.0.1:8181/api}; {@code authorization}: the whole header value. */
    public HelpdeskClient(String api, String authorization) {
        this.api = api.endsWith("/") ? api.substring(0, api.length() - 1) : api;
        this.authorization = authorization;
    }

    /** The Authorization header this client sends. */
    public String authorization() {
        return authorization;
    }

    public Answer call(String method, String path, String json) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", authorization).header("X-Requested-By", "helpdesk-client")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        int retry = r.headers().firstValue("Retry-After").map(v -> {
            try {
                return Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                return 1;
            }
        }).orElse(-1);
        return new Answer(r.statusCode(), r.body(), retry);
    }

    private Answer expect(String method, String path, String json, int... statuses) throws IOException, InterruptedException {
        Answer a = call(method, path, json);
        for (int s : statuses) {
            if (a.status() == s) {
                return a;
            }
        }
        throw new IOException(method + " " + path + " answered " + a.status() + ": " + a.body());
    }

    /**
     * Operator set-up, idempotent: the two sharded tables (each a schema version after the last one applied, waited for
     * until DONE), the search collection, the pull type {@value #NOTIFY_TYPE} and an SLO per helpdesk job.
     */
    public void setup() throws IOException, InterruptedException {
        String schema = expect("GET", "/sharding/schema", null, 200).body();
        long version = 0;
        for (Matcher m = Pattern.compile("\"version\"\\s*:\\s*(\\d+)").matcher(schema); m.find(); ) {
            version = Math.max(version, Long.parseLong(m.group(1)));
        }
        for (String ddl : DDL) {
            String table = ddl.split(" ")[2];
            if (schema.contains(table)) {
                continue;
            }
            version++;
            expect("POST", "/sharding/schema", "{\"version\":" + version + ",\"ddl\":" + quote(ddl) + "}", 202);
            long deadline = System.currentTimeMillis() + 60_000;
            while (true) {
                String state = field(expect("GET", "/sharding/schema/" + version, null, 200).body(), "state");
                if ("DONE".equals(state)) {
                    break;
                }
                if ("FAILED".equals(state) || "CANCELLED".equals(state) || System.currentTimeMillis() > deadline) {
                    throw new IOException("creating " + table + " (schema version " + version + ") ended " + state);
                }
                Thread.sleep(200);
            }
        }
        expect("POST", "/search/collections", "{\"name\":\"" + COLLECTION + "\",\"partitions\":2,\"mappings\":" + MAPPINGS + "}", 201, 409);
        expect("PUT", "/queue/types/" + NOTIFY_TYPE, "{\"delivery\":\"pull\",\"maxAttempts\":10,\"visibilitySeconds\":30}", 200);
        for (String job : List.of("helpdesk.reply", "helpdesk.search", "helpdesk.ai-answer")) {
            expect("PUT", "/heartbeat/slos/" + job, "{\"target\":0.99,\"latencyThresholdMillis\":5000}", 200, 201, 204);
        }
    }

    /** Opens a conversation through the helpdesk bundle (ids are the caller's: retry with the same ones). */
    public Answer open(String tenant, String id, String subject, String author, String body, boolean ai) throws IOException, InterruptedException {
        return call("POST", "/helpdesk/tenants/" + tenant + "/conversations", "{\"id\":\"" + id + "\",\"subject\":" + quote(subject)
                + ",\"messageId\":\"" + id + "-m1\",\"author\":" + quote(author) + ",\"body\":" + quote(body) + ",\"aiAnswer\":" + ai + "}");
    }

    public Answer reply(String tenant, String conversation, String messageId, String author, String body) throws IOException, InterruptedException {
        return call("POST", "/helpdesk/tenants/" + tenant + "/conversations/" + conversation + "/messages",
                "{\"id\":\"" + messageId + "\",\"author\":" + quote(author) + ",\"body\":" + quote(body) + "}");
    }

    public Answer search(String tenant, String q, int size) throws IOException, InterruptedException {
        return search(tenant, q, 0, size);
    }

    /** The helpdesk's search, from hit {@code from} on (from + size at most 10,000). */
    public Answer search(String tenant, String q, int from, int size) throws IOException, InterruptedException {
        return call("GET", "/helpdesk/tenants/" + tenant + "/search?from=" + from + "&size=" + size + "&q="
                + URLEncoder.encode(q, StandardCharsets.UTF_8), null);
    }

    /** Runs one statement through the sharding Data API. */
    public Answer sql(String tenant, String sql, Object... params) throws IOException, InterruptedException {
        StringBuilder p = new StringBuilder();
        for (Object o : params) {
            p.append(p.length() == 0 ? "" : ",").append(o instanceof Number ? o.toString() : quote(String.valueOf(o)));
        }
        return call("POST", "/sharding/tenants/" + tenant + "/sql", "{\"sql\":" + quote(sql) + ",\"params\":[" + p + "],\"maxRows\":10000}");
    }

    /**
     * The agent assistant, for one tenant: conversations the search finds with one message get a drafted reply from
     * the LLM gateway, written through the Data API (message and count in one transaction) and indexed through the
     * search API with the new message count as version; each reports {@code helpdesk.reply}. Returns how many.
     */
    public int draftReplies(String tenant, String model, int max) throws IOException, InterruptedException {
        Answer found = call("POST", "/search/collections/" + COLLECTION + "/tenants/" + tenant + "/search",
                "{\"query\":\"\",\"size\":" + max + "}");
        if (!found.ok()) {
            throw new IOException("search answered " + found.status() + ": " + found.body());
        }
        int drafted = 0;
        for (Matcher m = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"").matcher(found.body()); m.find(); ) {
            String id = m.group(1);
            long start = System.nanoTime();
            Answer row = sql(tenant, "SELECT subject, messages FROM hd_conversations WHERE tenant_id = ? AND id = ?", tenant, id);
            List<String> values = rowValues(row.body());
            if (!row.ok() || values.size() < 2 || !values.get(1).equals("1")) {
                continue;
            }
            Answer chat = call("POST", "/llm/v1/chat/completions", "{\"model\":" + quote(model) + ",\"max_tokens\":120,\"messages\":["
                    + "{\"role\":\"system\",\"content\":\"Draft a short, friendly first reply for a support agent.\"},"
                    + "{\"role\":\"user\",\"content\":" + quote(values.get(0)) + "}]}");
            boolean ok = chat.ok();
            if (ok) {
                String draft = field(chat.body(), "content");
                String messageId = id + "-draft";
                Answer write = call("POST", "/sharding/tenants/" + tenant + "/sql", "{\"statements\":["
                        + "{\"sql\":\"INSERT INTO hd_messages (tenant_id, id, conversation_id, author, body, created) VALUES (?, ?, ?, 'assistant', ?, NOW(3))\","
                        + "\"params\":[" + quote(tenant) + "," + quote(messageId) + "," + quote(id) + "," + quote(draft == null ? "" : draft) + "]},"
                        + "{\"sql\":\"UPDATE hd_conversations SET messages = messages + 1 WHERE tenant_id = ? AND id = ?\",\"params\":["
                        + quote(tenant) + "," + quote(id) + "]}]}");
                ok = write.ok();
                if (ok) {
                    Answer index = call("PUT", "/search/collections/" + COLLECTION + "/tenants/" + tenant + "/documents/" + id,
                            "{\"version\":2,\"document\":{\"subject\":" + quote(values.get(0)) + ",\"status\":\"open\",\"messages\":2,"
                                    + "\"text\":" + quote(draft == null ? "" : draft) + "}}");
                    ok = index.ok();
                    drafted += ok ? 1 : 0;
                }
            }
            call("POST", "/heartbeat/tenants/" + tenant + "/events", "[{\"job\":\"helpdesk.reply\",\"success\":" + ok
                    + ",\"latencyMillis\":" + (System.nanoTime() - start) / 1_000_000 + "}]");
        }
        return drafted;
    }

    /**
     * One round of the pull worker of {@value #NOTIFY_TYPE}: leases up to {@code max} jobs (long-polling up to
     * {@code waitSeconds}), reads each conversation through the Data API and acks it. At least once: a job may come
     * again, and reading is idempotent. Returns the conversation ids handled.
     */
    public List<String> work(int max, int waitSeconds) throws IOException, InterruptedException {
        Answer leased = expect("POST", "/queue/types/" + NOTIFY_TYPE + "/lease", "{\"max\":" + max + ",\"waitSeconds\":" + waitSeconds + "}", 200);
        List<String> done = new ArrayList<>();
        Matcher m = Pattern.compile("\\{[^{}]*\"tenant\"\\s*:\\s*\"([^\"]+)\"[^{}]*}").matcher(leased.body());
        while (m.find()) {
            String job = m.group();
            String tenant = m.group(1);
            String conversation = field(job, "payload");
            String lease = field(job, "lease");
            try {
                Answer read = sql(tenant, "SELECT subject FROM hd_conversations WHERE tenant_id = ? AND id = ?", tenant, conversation);
                if (read.ok()) {
                    // anything but 204: the lease is gone (expired, or its node died) and the job comes again; the other
                    // jobs of this round are still handled, and those acked still count
                    if (ack(lease)) {
                        done.add(tenant + "/" + conversation);
                    }
                } else {
                    nack(lease, 1, "Data API answered " + read.status());
                }
            } catch (IOException e) {
                // a node went away under this job: unacked, it comes again when its lease expires
            }
        }
        return done;
    }

    /**
     * Acks a lease; an ack is idempotent, so one whose answer was lost (its node died after settling it) or that met a
     * node going away (502/503 from the balancer) is sent again, through whichever node the balancer picks.
     */
    private boolean ack(String lease) throws IOException, InterruptedException {
        return settle(lease, "ack", null).status() == 204;
    }

    /**
     * Nacks a lease: the job runs again after {@code delaySeconds} (the queue API's field; it refuses unknown ones).
     * A 404 or 409 means the lease is no longer this worker's (it expired; the job comes again anyway). Any other answer
     * but 2xx is a fault of this client or of the platform, and fails loudly instead of leaving the job to wait for its
     * lease to expire.
     */
    void nack(String lease, int delaySeconds, String error) throws IOException, InterruptedException {
        Answer a = settle(lease, "nack", "{\"delaySeconds\":" + delaySeconds + ",\"error\":" + quote(error) + "}");
        if (!a.ok() && a.status() != 404 && a.status() != 409) {
            throw new IllegalStateException("nack of lease " + lease + " answered " + a.status() + ": " + a.body());
        }
    }

    /** Posts an ack or nack, sent again (at most three times) while a node going away answers 502/503. */
    private Answer settle(String lease, String verb, String json) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                Answer a = call("POST", "/queue/leases/" + lease + "/" + verb, json);
                if (a.status() != 502 && a.status() != 503 || attempt == 3) {
                    return a;
                }
            } catch (IOException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
            Thread.sleep(500L * attempt);
        }
    }

    /** A string field of a small JSON document, or null. */
    public static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        return m.find() ? m.group(1).replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\") : null;
    }

    /** The first row of a Data API answer, each value as text (strings unquoted). */
    public static List<String> rowValues(String json) {
        List<String> out = new ArrayList<>();
        Matcher rows = Pattern.compile("\"rows\"\\s*:\\s*\\[\\s*\\[(.*?)]").matcher(json);
        if (rows.find()) {
            for (Matcher v = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"|(-?[0-9.]+|null|true|false)").matcher(rows.group(1)); v.find(); ) {
                out.add(v.group(1) != null ? v.group(1) : v.group(2));
            }
        }
        return out;
    }

    /** A JSON string literal. */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
