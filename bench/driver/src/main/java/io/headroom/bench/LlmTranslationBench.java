package io.headroom.bench;

import io.headroom.llm.anthropic.internal.AnthropicAdapter;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.bedrock.internal.BedrockAdapter;
import io.headroom.llm.openai.internal.OpenAiAdapter;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * What translating one request costs in the router core, a plain text conversation against a tool-heavy one (8
 * function tools with JSON schemas, 3 rounds of assistant tool calls and tool results), in the same run: reading the
 * OpenAI body into the router's request (the chat endpoint's parser), then building and serializing each vendor's
 * request (the bytes the OpenAI-compatible and Anthropic adapters send, Bedrock Converse's request objects). No
 * network: translation only.
 * Usage: LlmTranslationBench [seconds per measurement] (default 3).
 */
public final class LlmTranslationBench {
    public static void main(String[] args) throws Exception {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 3;
        String plain = "{\"model\":\"chat\",\"max_tokens\":256,\"messages\":[{\"role\":\"system\",\"content\":\"You are terse.\"},"
                + "{\"role\":\"user\",\"content\":\"What is the capital of France? Answer in one word, please.\"},"
                + "{\"role\":\"assistant\",\"content\":\"Paris.\"},{\"role\":\"user\",\"content\":\"And of Italy?\"}]}";
        StringBuilder tools = new StringBuilder("{\"model\":\"chat\",\"max_tokens\":256,\"tool_choice\":\"auto\",\"tools\":[");
        for (int i = 0; i < 8; i++) {
            tools.append(i == 0 ? "" : ",").append("{\"type\":\"function\",\"function\":{\"name\":\"tool_").append(i)
                    .append("\",\"description\":\"Looks up thing number ").append(i).append(" in the catalogue\",\"parameters\":")
                    .append("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\",\"description\":\"a city\"},")
                    .append("\"unit\":{\"type\":\"string\",\"enum\":[\"c\",\"f\"]},\"days\":{\"type\":\"integer\",\"minimum\":1}},")
                    .append("\"required\":[\"city\"]}}}");
        }
        tools.append("],\"messages\":[{\"role\":\"system\",\"content\":\"You are terse.\"},{\"role\":\"user\",\"content\":\"Plan my week.\"}");
        for (int round = 0; round < 3; round++) {
            tools.append(",{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_").append(round)
                    .append("a\",\"type\":\"function\",\"function\":{\"name\":\"tool_1\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\",\\\"days\\\":3}\"}},")
                    .append("{\"id\":\"call_").append(round).append("b\",\"type\":\"function\",\"function\":{\"name\":\"tool_2\",")
                    .append("\"arguments\":\"{\\\"city\\\":\\\"Rome\\\",\\\"unit\\\":\\\"c\\\"}\"}}]},")
                    .append("{\"role\":\"tool\",\"tool_call_id\":\"call_").append(round).append("a\",\"content\":\"18C, sunny, light wind\"},")
                    .append("{\"role\":\"tool\",\"tool_call_id\":\"call_").append(round).append("b\",\"content\":\"22C, cloudy\"}");
        }
        tools.append(",{\"role\":\"user\",\"content\":\"Summarise.\"}]}");

        Class<?> reader = Class.forName("io.headroom.llm.internal.rest.ChatBodyReader");
        Method read = reader.getDeclaredMethod("read", InputStream.class);
        read.setAccessible(true);
        Class<?> bodyClass = Class.forName("io.headroom.llm.internal.rest.ChatBodyReader$Body");
        Method request = bodyClass.getDeclaredMethod("request");
        request.setAccessible(true);

        OpenAiAdapter openAi = new OpenAiAdapter();
        AnthropicAdapter anthropic = new AnthropicAdapter();
        BedrockAdapter bedrock = new BedrockAdapter(new BedrockAdapter.Config() {
            public String region() {
                return "us-east-1";
            }

            public int maxConnections() {
                return 4;
            }

            public String[] imageFetchAllowList() {
                return new String[0];
            }

            public long imageFetchMaxBytes() {
                return 1000;
            }

            public long imageFetchTimeoutMillis() {
                return 1000;
            }

            public Class<? extends Annotation> annotationType() {
                return BedrockAdapter.Config.class;
            }
        });
        // the bytes each adapter sends: OpenAI's writes a plain request straight out, others through a JSON tree
        Method openAiBody = OpenAiAdapter.class.getDeclaredMethod("bodyBytes", Deployment.class, ChatRequest.class, boolean.class);
        Method anthropicBody = io.headroom.llm.http.HttpProvider.class.getDeclaredMethod("bodyBytes", Deployment.class, ChatRequest.class,
                boolean.class);
        openAiBody.setAccessible(true);
        anthropicBody.setAccessible(true);
        // the adapter's translation to Converse's request objects (ConverseTranslation, package-private in the adapter)
        java.lang.reflect.Field converse = BedrockAdapter.class.getDeclaredField("converse");
        converse.setAccessible(true);
        Object translation = converse.get(bedrock);
        Method converseRequest = translation.getClass().getDeclaredMethod("request", Deployment.class, ChatRequest.class);
        converseRequest.setAccessible(true);
        Deployment oa = new Deployment("oa", "openai", "gpt-test", "http://127.0.0.1:1", "k", 0, 0, 0, 1000);
        Deployment an = new Deployment("an", "anthropic", "claude-test", "http://127.0.0.1:1", "k", 0, 0, 0, 1000);
        Deployment br = new Deployment("br", "bedrock", "m", "http://127.0.0.1:1", "AKID:secret", 0, 0, 0, 1000);

        System.out.printf(Locale.ROOT, "%-12s %-10s %12s %12s%n", "step", "request", "ns/request", "bytes");
        double[][] results = new double[4][2];
        String[] kinds = {"plain", "tool-heavy"};
        byte[][] bodies = {plain.getBytes(StandardCharsets.UTF_8), tools.toString().getBytes(StandardCharsets.UTF_8)};
        for (int pass = 0; pass < 2; pass++) { // the first pass warms up
            for (int k = 0; k < 2; k++) {
                byte[] body = bodies[k];
                ChatRequest r = (ChatRequest) request.invoke(read.invoke(null, new ByteArrayInputStream(body)));
                results[0][k] = measure(seconds, () -> request.invoke(read.invoke(null, new ByteArrayInputStream(body))));
                results[1][k] = measure(seconds, () -> openAiBody.invoke(openAi, oa, r, false));
                results[2][k] = measure(seconds, () -> anthropicBody.invoke(anthropic, an, r, false));
                results[3][k] = measure(seconds, () -> converseRequest.invoke(translation, br, r));
            }
        }
        String[] steps = {"parse", "to openai", "to anthropic", "to bedrock"};
        for (int s = 0; s < 4; s++) {
            for (int k = 0; k < 2; k++) {
                System.out.printf(Locale.ROOT, "%-12s %-10s %12.0f %12d%n", steps[s], kinds[k], results[s][k], bodies[k].length);
            }
            System.out.printf(Locale.ROOT, "%-12s ratio tool-heavy / plain: %.1fx%n", steps[s], results[s][1] / results[s][0]);
        }
        openAi.close();
        anthropic.close();
        System.exit(0);
    }

    @FunctionalInterface
    interface Step {
        Object run() throws Exception;
    }

    /** Mean nanoseconds per call over the given seconds. */
    private static double measure(long seconds, Step step) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long n = 0;
        long start = System.nanoTime();
        Object sink = null;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 100; i++) {
                sink = step.run();
            }
            n += 100;
        }
        if (sink == null) {
            throw new IllegalStateException();
        }
        return (System.nanoTime() - start) / (double) n;
    }
}
