package io.headroom.llm.internal.shell;

import io.headroom.core.api.TenantId;
import io.headroom.llm.api.ChatMessage;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.Priority;
import io.headroom.llm.internal.LlmRouterService;
import io.headroom.llm.internal.core.Router;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "llm", name = "load-test", description = "Drives a route at a fixed rate with a short prompt; reports latency, errors, deployments used and headroom")
@Service
public class LoadTestCommand implements Action {
    @Reference
    LlmRouterService service;

    @Option(name = "--background", description = "Send as background priority")
    boolean background;

    @Argument(index = 0, name = "route", required = true, description = "Route name")
    String route;

    @Argument(index = 1, name = "rate", required = true, description = "Requests per second (1-1000)")
    int rate;

    @Argument(index = 2, name = "seconds", required = true, description = "Duration (1-300)")
    int seconds;

    @Override
    public Object execute() throws Exception {
        if (rate < 1 || rate > 1000 || seconds < 1 || seconds > 300) {
            throw new IllegalArgumentException("rate must be 1-1000 and seconds 1-300");
        }
        ChatRequest request = new ChatRequest(List.of(new ChatMessage("user", "Reply with one word: ok")), 8, 0.0);
        Priority priority = background ? Priority.BACKGROUND : Priority.INTERACTIVE;
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(200, rate));
        List<Future<String>> calls = new ArrayList<>();
        long[] latency = new long[rate * seconds];
        long period = 1_000_000_000L / rate;
        long start = System.nanoTime();
        for (int i = 0; i < latency.length; i++) {
            long wait = start + i * period - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            int slot = i;
            calls.add(pool.submit(() -> {
                long t0 = System.nanoTime();
                try {
                    return service.complete(TenantId.of("load-test"), priority, route, request, Duration.ofSeconds(30)).deployment();
                } catch (RuntimeException e) {
                    return "error: " + e.getMessage();
                } finally {
                    latency[slot] = System.nanoTime() - t0;
                }
            }));
            if (i % rate == 0) {
                System.out.print("\rsent " + i + " of " + latency.length);
            }
        }
        Map<String, Integer> outcomes = new TreeMap<>();
        for (Future<String> f : calls) {
            String o = f.get();
            outcomes.merge(o.startsWith("error") ? "errors" : "via " + o, 1, Integer::sum);
        }
        pool.shutdown();
        Arrays.sort(latency);
        System.out.printf("%nroute %s, %d requests at %d/s: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", route, latency.length, rate,
                latency[latency.length / 2] / 1e6, latency[(int) Math.ceil(0.99 * latency.length) - 1] / 1e6, latency[latency.length - 1] / 1e6);
        System.out.println("outcomes: " + outcomes);
        Router.Headroom h = service.router().headroom(route);
        System.out.println("headroom: " + h.requestsLastMinute() + " requests in the last minute, capacity " + h.capacityPerMinute()
                + "/min" + (h.low() ? " (LOW: under twice the load)" : ""));
        return null;
    }
}
