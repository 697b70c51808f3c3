package io.headroom.itests;

import static org.junit.Assert.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** REST calls from outside the platform (the test JVM) to a node or a load balancer, as a client service makes them. */
final class RestClient {
    static final String OPERATOR = "Basic " + Base64.getEncoder().encodeToString("karaf:karaf".getBytes(StandardCharsets.UTF_8));
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;
    private final String operator;

    /** {@code base}: scheme, host and port, e.g. {@code http://127.0.0.1:8181}. */
    RestClient(String base) {
        this(base, OPERATOR);
    }

    /** With the operator's Authorization header (a node whose operator password is not the test fixtures' one). */
    RestClient(String base, String operator) {
        this.base = base;
        this.operator = operator;
    }

    HttpResponse<String> call(String method, String path, String authorization, String body) throws Exception {
        return call(method, path, authorization, body, 0);
    }

    /** With {@code X-Headroom-Timeout-Ms} (when above 0): how long the LLM gateway may wait for a deployment. */
    HttpResponse<String> call(String method, String path, String authorization, String body, long gatewayTimeoutMillis) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/api" + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        b.header("X-Requested-By", "headroom-itest"); // what a script sends: a cross-site form cannot (see SecurityIT)
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (gatewayTimeoutMillis > 0) {
            b.header("X-Headroom-Timeout-Ms", Long.toString(gatewayTimeoutMillis));
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Calls as an operator and asserts the status; returns the body. */
    String expect(int status, String method, String path, String body) throws Exception {
        return expect(status, method, path, operator, body);
    }

    String expect(int status, String method, String path, String authorization, String body) throws Exception {
        HttpResponse<String> r = call(method, path, authorization, body);
        assertEquals(method + " " + base + path + ": " + r.body(), status, r.statusCode());
        return r.body();
    }

    /** A string field of a small JSON document. */
    static String string(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        if (!m.find()) {
            throw new AssertionError("no field " + name + " in " + json);
        }
        return m.group(1);
    }

    /** A number field of a small JSON document. */
    static long number(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*(-?\\d+)").matcher(json);
        if (!m.find()) {
            throw new AssertionError("no number " + name + " in " + json);
        }
        return Long.parseLong(m.group(1));
    }
}
