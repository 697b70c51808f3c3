package io.headroom.llm.internal.core;

import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.Deployment;
import io.headroom.llm.api.DeploymentStatus;
import io.headroom.llm.api.EmbeddingRequest;
import io.headroom.llm.api.EmbeddingResponse;
import io.headroom.llm.api.Priority;
import io.headroom.llm.api.ProviderAdapter;
import io.headroom.llm.api.ProviderException;
import io.headroom.llm.api.ResponsesAnswer;
import io.headroom.llm.api.ResponseAffinity;
import io.headroom.llm.api.ResponsesRequest;
import io.headroom.llm.api.Route;
import io.headroom.llm.api.RouteStatus;
import io.headroom.llm.api.StreamListener;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The routing core: orders a route's deployments by its strategy, skips those cooling down, disabled or at their
 * limits, calls the next one, and on retryable failures fails over to the next; non-retryable failures go straight
 * back. A deployment cools down (at least its Retry-After) after {@code allowedFails} retryable failures in a row
 * within {@code failWindowMillis}, or at once when it answers 429 with a Retry-After: one slow answer does not take a deployment out.
 * When every candidate is cooling down or full, it waits within the request's deadline instead of failing at once.
 * Limits are per-minute, counted per limit window, and fleet-wide ({@link LeasedLimits}); background calls may use only
 * {@code 1 - interactiveReserve} of each. Cooldowns are reported to a {@link Listener} (which shares them with the
 * fleet) and shared state comes back through {@link #applyState}.
 */
public final class Router {
    /** Tuning. */
    public record Settings(double interactiveReserve, long defaultCooldownMillis, int allowedFails, long failWindowMillis) {
        public Settings(double interactiveReserve, long defaultCooldownMillis) {
            this(interactiveReserve, defaultCooldownMillis, 1, 60_000);
        }

        public static Settings defaults() {
            return new Settings(0.2, 5_000, 3, 60_000);
        }
    }

    /** Told when this node puts a deployment into cooldown, and of every failed attempt (for the logs). */
    @FunctionalInterface
    public interface Listener {
        void cooledDown(String deployment, long untilMillis, String reason);

        /** An attempt on {@code deployment} failed; a retryable failure fails over to the route's next deployment. */
        default void attemptFailed(String route, String deployment, ProviderException error) {
        }
    }

    private final Settings settings;
    private final LongSupplier clock;
    private final Function<String, ProviderAdapter> adapters;
    private final LeasedLimits limits;
    private final Listener listener;
    private final Map<String, DeploymentState> deployments = new ConcurrentHashMap<>();
    private final Map<String, Route> routes = new ConcurrentHashMap<>();

    public Router(Settings settings, LongSupplier clockMillis, Function<String, ProviderAdapter> adapters) {
        this(settings, clockMillis, adapters, LeasedLimits.local(clockMillis), (d, u, r) -> { });
    }

    public Router(Settings settings, LongSupplier clockMillis, Function<String, ProviderAdapter> adapters, LeasedLimits limits,
                  Listener listener) {
        this.settings = settings;
        this.clock = clockMillis;
        this.adapters = adapters;
        this.limits = limits;
        this.listener = listener;
    }

    /** Adds or replaces a deployment; an unchanged definition keeps its state (latency, counts, cooldown). */
    public void putDeployment(Deployment d) {
        deployments.compute(d.name(), (n, old) -> old != null && old.deployment.equals(d) ? old : carry(old, new DeploymentState(d)));
    }

    private static DeploymentState carry(DeploymentState old, DeploymentState fresh) {
        if (old != null) {
            fresh.apply(old.disabled(), old.cooldownUntil(), old.cooldownReason());
        }
        return fresh;
    }

    /** The deployments and routes a {@link #replaceAll} removed (their meters' series go with them). */
    public record Removed(java.util.Set<String> deployments, java.util.Set<String> routes) {
        public boolean isEmpty() {
            return deployments.isEmpty() && routes.isEmpty();
        }
    }

    /** Makes the deployments and routes exactly these (the fleet's shared definitions); returns those it removed. */
    public Removed replaceAll(List<Deployment> newDeployments, List<Route> newRoutes) {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Deployment d : newDeployments) {
            putDeployment(d);
            names.add(d.name());
        }
        java.util.Set<String> goneDeployments = new java.util.HashSet<>(deployments.keySet());
        goneDeployments.removeAll(names);
        deployments.keySet().removeAll(goneDeployments);
        java.util.Set<String> routeNames = new java.util.HashSet<>();
        for (Route r : newRoutes) {
            routes.put(r.name(), r);
            routeNames.add(r.name());
        }
        java.util.Set<String> goneRoutes = new java.util.HashSet<>(routes.keySet());
        goneRoutes.removeAll(routeNames);
        routes.keySet().removeAll(goneRoutes);
        return new Removed(java.util.Set.copyOf(goneDeployments), java.util.Set.copyOf(goneRoutes));
    }

    /** Applies the fleet's shared drain and cooldown state of a deployment; false when there is no such deployment. */
    public boolean applyState(String deployment, boolean disabled, long cooldownUntil, String reason) {
        DeploymentState s = deployments.get(deployment);
        if (s != null) {
            s.apply(disabled, cooldownUntil, reason);
        }
        return s != null;
    }

    /** The definition of a deployment, if there is one. */
    public java.util.Optional<Deployment> deployment(String name) {
        DeploymentState s = deployments.get(name);
        return s == null ? java.util.Optional.empty() : java.util.Optional.of(s.deployment);
    }

    public void removeDeployment(String name) {
        deployments.remove(name);
    }

    public void putRoute(Route r) {
        routes.put(r.name(), r);
    }

    public void removeRoute(String name) {
        routes.remove(name);
    }

    public List<Route> routes() {
        return routes.values().stream().sorted(Comparator.comparing(Route::name)).toList();
    }

    /** The route a client names, if there is one. */
    public java.util.Optional<Route> routeNamed(String name) {
        return java.util.Optional.ofNullable(routes.get(name));
    }

    public List<DeploymentStatus> deployments() {
        long now = clock.getAsLong();
        return deployments.values().stream().map(s -> s.status(now)).sorted(Comparator.comparing(DeploymentStatus::name)).toList();
    }

    public boolean clearCooldown(String deployment) {
        DeploymentState s = deployments.get(deployment);
        if (s != null) {
            s.clearCooldown();
        }
        return s != null;
    }

    public boolean setDisabled(String deployment, boolean disabled) {
        DeploymentState s = deployments.get(deployment);
        if (s != null) {
            s.setDisabled(disabled);
        }
        return s != null;
    }

    /** Every route's load and capacity, by name. */
    public List<RouteStatus> headroom() {
        return routes().stream().map(this::status).toList();
    }

    /** A route's load and capacity over the last minute; {@code low} when capacity is under twice the load. */
    public RouteStatus headroom(String routeName) {
        return status(route(routeName));
    }

    private RouteStatus status(Route r) {
        long now = clock.getAsLong();
        long load = 0;
        long capacity = 0;
        for (String name : r.deployments()) {
            DeploymentState s = deployments.get(name);
            if (s == null) {
                continue;
            }
            load += s.requests.usedSince(now / 1000); // this node's
            if (!s.disabled() && !s.coolingDown(now)) {
                capacity += s.deployment.requestsPerMinute() <= 0 ? Long.MAX_VALUE / 4 : s.deployment.requestsPerMinute();
            }
        }
        return new RouteStatus(r.name(), r.strategy(), r.deployments(), load, capacity, capacity < 2 * load);
    }

    private Route route(String name) {
        Route r = routes.get(name);
        if (r == null) {
            throw new IllegalArgumentException("no route named '" + name + "'"); // GET /v1/models lists the routes
        }
        return r;
    }

    /** The route's deployments in the order to try them now. */
    List<DeploymentState> order(Route r) {
        List<DeploymentState> list = new ArrayList<>();
        for (String name : r.deployments()) {
            DeploymentState s = deployments.get(name);
            if (s != null && !s.disabled()) {
                list.add(s);
            }
        }
        switch (r.strategy()) {
            case "latency" -> list.sort(Comparator.comparingDouble(DeploymentState::latency));
            case "least-busy" -> list.sort(Comparator.comparingInt(s -> s.inFlight.get()));
            case "weighted" -> {
                List<DeploymentState> weighted = new ArrayList<>();
                List<DeploymentState> pool = new ArrayList<>(list);
                while (!pool.isEmpty()) {
                    int total = pool.stream().mapToInt(s -> Math.max(1, r.weights().getOrDefault(s.deployment.name(), 1))).sum();
                    int pick = ThreadLocalRandom.current().nextInt(total);
                    for (DeploymentState s : pool) {
                        pick -= Math.max(1, r.weights().getOrDefault(s.deployment.name(), 1));
                        if (pick < 0) {
                            weighted.add(s);
                            pool.remove(s);
                            break;
                        }
                    }
                }
                list = weighted;
            }
            default -> {
            }
        }
        return list;
    }

    /** One admitted attempt: the deployment, the tokens reserved for it, the share and time it was admitted at. */
    private record Attempt(DeploymentState state, int reservedTokens, double share, long admittedAt, StreamedUsage usage) {
    }

    private Attempt admit(DeploymentState s, Priority priority, int tokens, int promptTokens, long now) {
        if (s.coolingDown(now)) {
            return null;
        }
        double share = priority == Priority.INTERACTIVE ? 1.0 : 1.0 - settings.interactiveReserve();
        Deployment d = s.deployment;
        if (!limits.tryTake(s.requestsKey, d.requestsPerMinute(), share, 1)) {
            return null;
        }
        if (!limits.tryTake(s.tokensKey, d.tokensPerMinute(), share, tokens)) {
            limits.settle(s.requestsKey, d.requestsPerMinute(), share, 1, now);
            return null;
        }
        s.requests.adjust(now, 1);
        return new Attempt(s, tokens, share, now, new StreamedUsage(promptTokens));
    }

    /** When a candidate may next be admitted: the earliest cooldown end or limit release. */
    private long nextChance(Route r, long now) {
        long next = Long.MAX_VALUE;
        for (DeploymentState s : order(r)) {
            next = Math.min(next, s.coolingDown(now) ? s.cooldownUntil() : now + limits.millisUntilRoom());
        }
        return next;
    }

    private void failed(DeploymentState s, ProviderException e) {
        s.failures.incrementAndGet();
        if (!e.retryable()) {
            return;
        }
        long now = clock.getAsLong();
        boolean toldToWait = e.status() == 429 && e.retryAfterMillis() > 0;
        if (toldToWait || s.failedInARow(now, s.deployment.allowedFails() > 0 ? s.deployment.allowedFails() : settings.allowedFails(),
                settings.failWindowMillis())) {
            long until = now + Math.max(e.retryAfterMillis(), settings.defaultCooldownMillis());
            String reason = (e.status() == 0 ? "timeout or connection error" : "HTTP " + e.status()) + ": " + e.getMessage();
            s.coolDown(until, reason);
            listener.cooledDown(s.deployment.name(), until, reason);
        }
    }

    private void finished(Attempt a, long startMillis, long actualTokens) {
        long now = clock.getAsLong();
        a.state().recordLatency(now - startMillis);
        release(a, actualTokens);
    }

    /**
     * Settles an attempt's token reservation to what it used, once: the reservation was an upper-bound estimate, and a
     * stream whose caller fails while it is told the end must not give it back twice.
     */
    private void release(Attempt a, long usedTokens) {
        if (a.usage().end()) {
            Deployment d = a.state().deployment;
            limits.settle(a.state().tokensKey, d.tokensPerMinute(), a.share(), a.reservedTokens() - usedTokens, a.admittedAt());
        }
    }

    /** One call on an admitted deployment; a thrown ProviderException is a failed attempt. */
    @FunctionalInterface
    private interface Call<T> {
        T run(DeploymentState state, Attempt attempt, long startMillis);
    }

    /**
     * Tries the route's deployments in order until one call succeeds: failing over on retryable errors, returning
     * non-retryable ones at once, and waiting for a cooldown or a limit window to end while the deadline allows.
     */
    private <T> T attempt(String routeName, Priority priority, int tokens, int promptTokens,
                          Function<DeploymentState, List<String>> unsupported, long deadlineMillis, Call<T> call) throws InterruptedException {
        Route r = route(routeName);
        if (!r.dropUnsupported().isEmpty()) {
            Function<DeploymentState, List<String>> all = unsupported;
            unsupported = s -> {
                List<String> u = all.apply(s);
                return u.isEmpty() ? u : u.stream().filter(p -> !r.dropUnsupported().contains(p)).toList();
            };
        }
        refuseUnsupported(r, unsupported);
        ProviderException last = null;
        while (true) {
            long now = clock.getAsLong();
            for (DeploymentState s : order(r)) {
                if (!unsupported.apply(s).isEmpty()) {
                    continue; // it would drop what the client asked for: another candidate answers
                }
                Attempt a = admit(s, priority, tokens, promptTokens, now);
                if (a == null) {
                    continue;
                }
                long start = clock.getAsLong();
                s.inFlight.incrementAndGet();
                s.total.incrementAndGet();
                try {
                    return call.run(s, a, start);
                } catch (ProviderException e) {
                    failed(s, e);
                    listener.attemptFailed(r.name(), s.deployment.name(), e);
                    finished(a, start, a.reservedTokens());
                    if (!e.retryable()) {
                        throw e instanceof ProviderRefusal ? e : new ProviderRefusal(r.name(), e);
                    }
                    last = e;
                } catch (RuntimeException e) {
                    // not the deployment's failure (the caller's listener threw, e.g. its client went away): the call
                    // is abandoned; the provider billed the prompt and what it streamed (StreamedUsage: nothing
                    // before any output), the rest of the reservation is released
                    release(a, a.usage().usedTokens());
                    throw e;
                } finally {
                    s.inFlight.decrementAndGet();
                }
            }
            if (!waitForChance(r, deadlineMillis)) {
                throw exhausted(r, last);
            }
        }
    }

    /** Answers on the route's best available deployment, failing over and waiting as needed until the deadline. */
    public ChatResponse complete(String routeName, Priority priority, ChatRequest request, long deadlineMillis) throws InterruptedException {
        return attempt(routeName, priority, request.estimatedTokens(), StreamedUsage.promptTokens(request), s -> unsupported(s, request),
                deadlineMillis, (s, a, start) -> {
            ChatResponse response = adapter(s).complete(s.deployment, request);
            s.succeeded();
            finished(a, start, response.promptTokens() + response.completionTokens());
            return response;
        });
    }

    /** Streams on the route's best available deployment; failures before the first token fail over invisibly. */
    public void stream(String routeName, Priority priority, ChatRequest request, long deadlineMillis, StreamListener listener)
            throws InterruptedException {
        attempt(routeName, priority, request.estimatedTokens(), StreamedUsage.promptTokens(request), s -> unsupported(s, request),
                deadlineMillis, (s, a, start) -> {
            adapter(s).stream(s.deployment, request, settling(s, a, start, listener));
            return null;
        });
    }

    /**
     * Passes a stream on to the caller, counting what it streams ({@link StreamedUsage}) and settling the attempt when it
     * ends: to the provider's usage when complete, to the estimate of what was streamed when it fails or is abandoned.
     */
    private StreamListener settling(DeploymentState s, Attempt a, long start, StreamListener listener) {
        return new ForwardingListener(listener) {
            @Override
            public void started(String deployment, String model) {
                a.usage().started(deployment);
                listener.started(deployment, model);
            }

            @Override
            public void token(String text) {
                a.usage().text(text); // counted before it is passed on: the provider produced it whether the client takes it or not
                listener.token(text);
            }

            @Override
            public void toolCall(int index, String id, String name, String arguments) {
                a.usage().toolCall(name, arguments);
                listener.toolCall(index, id, name, arguments);
            }

            @Override
            public void event(String type, String data) {
                a.usage().event(type, data);
                listener.event(type, data);
            }

            @Override
            public void completed(ChatResponse response) {
                s.succeeded();
                finished(a, start, response.promptTokens() + response.completionTokens());
                listener.completed(response);
            }

            @Override
            public void failed(ProviderException error) {
                Router.this.failed(s, error); // mid-stream: the client gets an error event, never a cut answer
                finished(a, start, a.usage().usedTokens()); // the provider billed the prompt and what it streamed
                listener.failed(error);
            }
        };
    }

    /**
     * A Responses API call: passed through to the route's deployments that serve it themselves, mapped onto chat
     * completions for the others, failing over between both kinds and waiting as {@link #complete} does. A call that
     * cannot be mapped goes only to deployments that pass it through.
     */
    public ResponsesAnswer respond(String routeName, Priority priority, ResponsesRequest request, long deadlineMillis)
            throws InterruptedException {
        return attempt(routeName, priority, request.estimatedTokens(), StreamedUsage.promptTokens(request), s -> unsupported(s, request),
                deadlineMillis, (s, a, start) -> {
            ResponsesAnswer answer = passesThrough(s) ? adapter(s).respond(s.deployment, request)
                    : new ResponsesAnswer(null, adapter(s).complete(s.deployment, request.mapped()));
            s.succeeded();
            finished(a, start, answer.response().promptTokens() + answer.response().completionTokens());
            return answer;
        });
    }

    /**
     * Streams a Responses API call: a deployment that serves it sends its own events, a mapped one tokens and tool
     * calls; failures before the first of them fail over invisibly, to a deployment of either kind.
     */
    public void streamResponses(String routeName, Priority priority, ResponsesRequest request, long deadlineMillis,
                                StreamListener listener) throws InterruptedException {
        attempt(routeName, priority, request.estimatedTokens(), StreamedUsage.promptTokens(request), s -> unsupported(s, request),
                deadlineMillis, (s, a, start) -> {
            if (passesThrough(s)) {
                adapter(s).streamResponses(s.deployment, request, settling(s, a, start, listener));
            } else {
                adapter(s).stream(s.deployment, request.mapped(), settling(s, a, start, listener));
            }
            return null;
        });
    }

    /** Whether Responses API calls go to this deployment's own /responses: it is set so, and its adapter can. */
    private boolean passesThrough(DeploymentState s) {
        if (!s.deployment.servesResponses()) {
            return false;
        }
        ProviderAdapter a = adapters.apply(s.deployment.provider());
        return a != null && a.servesResponses(s.deployment);
    }

    /** What stops a deployment from taking a Responses call: nothing when it passes it through (its server decides). */
    private List<String> unsupported(DeploymentState s, ResponsesRequest request) {
        String creator = ResponseAffinity.tagOf(request.previousResponseId());
        if (creator != null && !creator.equals(ResponseAffinity.tag(s.deployment))) {
            return List.of(AFFINITY); // only the deployment that created the response has the conversation
        }
        if (passesThrough(s)) {
            return List.of();
        }
        return request.mapped() == null ? List.of(UNMAPPABLE + request.unmappable()) : unsupported(s, request.mapped());
    }

    /** Marks a deployment that did not create the response a Responses call continues. */
    private static final String AFFINITY = "previous_response_id of another deployment";

    /** Marks the reason a Responses call cannot be mapped onto chat completions, among unsupported parameters. */
    private static final String UNMAPPABLE = "responses:";

    /** What a deployment's adapter cannot honour of the request (nothing when its adapter is not there yet). */
    private List<String> unsupported(DeploymentState s, ChatRequest request) {
        if (request.parameters().isEmpty() && request.responseFormat() == null && request.tools().isEmpty()
                && request.messages().stream().noneMatch(m -> !m.parts().isEmpty() || !m.toolCalls().isEmpty())) {
            return List.of(); // a plain text request: every adapter takes it
        }
        ProviderAdapter a = adapters.apply(s.deployment.provider());
        return a == null ? List.of() : a.unsupported(s.deployment, request);
    }

    /**
     * Refuses (400, not retryable) a request that no deployment of the route can honour, naming the parameters: a
     * parameter is never silently dropped.
     */
    private void refuseUnsupported(Route r, Function<DeploymentState, List<String>> unsupported) {
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (DeploymentState s : order(r)) {
            List<String> u = unsupported.apply(s);
            if (u.isEmpty()) {
                return;
            }
            names.addAll(u);
        }
        if (names.contains(AFFINITY)) {
            throw new ProviderException("route " + r.name() + " no longer has the deployment that created the response named in"
                    + " 'previous_response_id'; send the whole input instead", 400, false, 0, null);
        }
        for (String n : names) {
            if (n.startsWith(UNMAPPABLE)) {
                throw new ProviderException("route " + r.name() + " has no deployment that serves the Responses API itself, and this"
                        + " call cannot be mapped onto chat completions: " + n.substring(UNMAPPABLE.length()), 400, false, 0, null);
            }
        }
        if (names.equals(java.util.Set.of("embeddings"))) {
            throw new ProviderException("route " + r.name() + " has no deployment that embeds", 400, false, 0, null);
        }
        if (!names.isEmpty()) { // OpenAI's code and param for it (the first name when there are several)
            throw new ProviderException("no deployment of route " + r.name() + " supports " + (names.size() == 1 ? "the parameter '"
                    : "the parameters '") + String.join("', '", names) + "'", 400, false, 0, null,
                    ProviderException.UNSUPPORTED_PARAMETER, names.iterator().next());
        }
    }

    /**
     * Embeds on the route's deployments that can (a route's chat deployments are passed over), failing over and
     * waiting as {@link #complete} does.
     */
    public EmbeddingResponse embed(String routeName, Priority priority, EmbeddingRequest request, long deadlineMillis)
            throws InterruptedException {
        return attempt(routeName, priority, request.estimatedTokens(), request.estimatedTokens(), s -> {
            ProviderAdapter a = adapters.apply(s.deployment.provider());
            return a == null ? List.of() : a.unsupported(s.deployment, request);
        }, deadlineMillis, (s, a, start) -> {
            EmbeddingResponse response = adapter(s).embed(s.deployment, request);
            s.succeeded();
            finished(a, start, response.promptTokens());
            return response;
        });
    }

    private boolean waitForChance(Route r, long deadlineMillis) throws InterruptedException {
        long now = clock.getAsLong();
        long next = Math.min(nextChance(r, now), deadlineMillis);
        if (now >= deadlineMillis || next >= deadlineMillis) {
            return false;
        }
        Thread.sleep(Math.max(1, Math.min(next - now, 1000)));
        return true;
    }

    private ProviderException exhausted(Route r, ProviderException last) {
        return new ProviderException("no deployment of route " + r.name() + " could answer before the deadline"
                + (last == null ? " (all cooling down or at their limits)" : "; last error: " + last.getMessage()), 503, true, 0, last);
    }

    private ProviderAdapter adapter(DeploymentState s) {
        ProviderAdapter a = adapters.apply(s.deployment.provider());
        if (a == null) {
            throw new ProviderException("no adapter for provider " + s.deployment.provider(), 0, true, 0, null);
        }
        return a;
    }
}
