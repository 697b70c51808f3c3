package io.headroom.helpdesk.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import io.headroom.helpdesk.internal.core.Tickets;
import io.headroom.llm.api.ChatMessage;
import io.headroom.llm.api.ChatRequest;
import io.headroom.llm.api.ChatResponse;
import io.headroom.llm.api.LlmRouter;
import io.headroom.llm.api.Priority;
import io.headroom.llm.api.Tool;
import io.headroom.llm.api.ToolCall;
import io.headroom.queue.api.FairQueue;
import io.headroom.queue.api.JobRequest;
import io.headroom.queue.api.QueueUnavailableException;
import io.headroom.search.api.SearchHit;
import io.headroom.search.api.SearchQuery;
import io.headroom.search.api.SearchResult;
import io.headroom.search.api.TenantSearch;
import io.headroom.sharding.api.QueryResult;
import io.headroom.sharding.api.ShardQueryException;
import io.headroom.sharding.api.ShardRouter;
import io.headroom.sharding.api.TenantShard;
import io.headroom.sharding.api.TenantShard.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The helpdesk, built only on the capabilities' Java APIs: rows through {@link ShardRouter}, the search document
 * through {@link TenantSearch}, the AI answer through {@link LlmRouter}, background work through {@link FairQueue},
 * and the outcome of every job a customer cares about through {@link Signals}.
 *
 * <p>Writes are idempotent by the client's ids: a retried request (after a timeout, a 503 at a move's fence, a node
 * that died mid-request) finds the rows the first attempt committed and only redoes what follows them (the search
 * document, the jobs), so a client that retries until it gets an answer leaves each conversation and message exactly
 * once in the database and in the index.
 */
@Component(service = HelpdeskService.class, configurationPid = HelpdeskService.PID)
@Designate(ocd = HelpdeskService.Config.class)
public final class HelpdeskService {
    static final String PID = "io.headroom.helpdesk";
    public static final String REPLY = "helpdesk.reply";
    public static final String SEARCH = "helpdesk.search";
    public static final String AI_ANSWER = "helpdesk.ai-answer";
    public static final String SUMMARY_TYPE = "helpdesk.summary";
    private static final Logger LOG = LoggerFactory.getLogger(HelpdeskService.class);

    @ObjectClassDefinition(name = "Headroom helpdesk (reference application)")
    public @interface Config {
        @AttributeDefinition(description = "Search collection of the conversations")
        String collection() default "helpdesk";

        @AttributeDefinition(description = "LLM route (model name) the AI answer is asked on")
        String aiRoute() default "helpdesk-answer";

        @AttributeDefinition(description = "How long an AI answer may take, failover included")
        long aiTimeoutMillis() default 10_000;

        @AttributeDefinition(description = "Remote (pull or push) job type told of each new conversation, when an operator declared it")
        String notifyType() default "helpdesk.notify";
    }

    /** What an open or a reply answers. {@code created}: false when a retry found the rows already there. */
    public record Written(String conversation, String message, boolean created, int messages, String aiAnswer, String aiError) {
    }

    private static final Tool LOOKUP = new Tool("lookup_open_conversations",
            "How many conversations of this customer are open", "{\"type\":\"object\",\"properties\":{}}", null);

    private final ShardRouter router;
    private final TenantSearch search;
    private final LlmRouter llm;
    private final FairQueue queue;
    private final Signals signals;
    private final Config config;

    /**
     * The queue is referenced greedily: where SQS is configured, the in-process backend registers first on a node's
     * start and the SQS backend (ranked higher) a few seconds later; a reluctant reference would keep the in-process
     * one, whose pull jobs no remote worker leases through the REST API (bound to SQS) and which die with the node.
     */
    @Activate
    public HelpdeskService(@Reference ShardRouter router, @Reference TenantSearch search, @Reference LlmRouter llm,
                           @Reference(policyOption = ReferencePolicyOption.GREEDY) FairQueue queue, @Reference Signals signals, Config config) {
        this.router = router;
        this.search = search;
        this.llm = llm;
        this.queue = queue;
        this.signals = signals;
        this.config = config;
    }

    /** Opens a conversation with its first message, indexes it, asks for an AI answer when {@code ai}, queues its jobs. */
    public Written open(TenantId tenant, String id, String subject, String messageId, String author, String body, boolean ai) {
        Tickets.id(id, "id");
        Tickets.id(messageId, "messageId");
        Tickets.text(subject, "subject", Tickets.MAX_SUBJECT);
        Tickets.text(author, "author", Tickets.MAX_AUTHOR);
        Tickets.text(body, "body", Tickets.MAX_BODY);
        Written w = timed(tenant, REPLY, () -> {
            TenantShard shard = router.forTenant(tenant);
            boolean created = insertOnce(shard, () -> shard.updateAll(List.of(
                    Statement.of("INSERT INTO hd_conversations (tenant_id, id, subject, status, messages, created) VALUES (?, ?, ?, 'open', 1, NOW(3))",
                            tenant.value(), id, subject),
                    Statement.of("INSERT INTO hd_messages (tenant_id, id, conversation_id, author, body, created) VALUES (?, ?, ?, ?, ?, NOW(3))",
                            tenant.value(), messageId, id, author, body))),
                    () -> exists(shard, "SELECT id FROM hd_conversations WHERE tenant_id = ? AND id = ?", tenant.value(), id));
            int messages = index(tenant, shard, id);
            queueSummary(tenant, id, messages);
            String notify = config.notifyType();
            if (!notify.isBlank() && queue.remoteType(notify).isPresent()) {
                queue.submit(new JobRequest(tenant, notify, id, io.headroom.queue.api.Priority.NORMAL, "notify-" + id));
            }
            return new Written(id, messageId, created, messages, null, null);
        });
        if (!ai) {
            return w;
        }
        try {
            String answer = aiAnswer(tenant, id, subject, body);
            return new Written(w.conversation(), w.message(), w.created(), w.messages(), answer, null);
        } catch (RuntimeException e) {
            // the conversation is kept either way: the answer is a bonus, its failure is reported as its own outcome
            LOG.info("helpdesk: no AI answer for {}/{}: {}", tenant, id, e.getMessage());
            return new Written(w.conversation(), w.message(), w.created(), w.messages(), null, e.getMessage());
        }
    }

    /** Adds a message to a conversation and indexes the conversation again. */
    public Written reply(TenantId tenant, String conversation, String messageId, String author, String body) {
        Tickets.id(conversation, "conversation");
        Tickets.id(messageId, "id");
        Tickets.text(author, "author", Tickets.MAX_AUTHOR);
        Tickets.text(body, "body", Tickets.MAX_BODY);
        return timed(tenant, REPLY, () -> {
            TenantShard shard = router.forTenant(tenant);
            if (!exists(shard, "SELECT id FROM hd_conversations WHERE tenant_id = ? AND id = ?", tenant.value(), conversation)) {
                throw new NotFound("no conversation " + conversation);
            }
            boolean created = insertOnce(shard, () -> shard.updateAll(List.of(
                    Statement.of("INSERT INTO hd_messages (tenant_id, id, conversation_id, author, body, created) VALUES (?, ?, ?, ?, ?, NOW(3))",
                            tenant.value(), messageId, conversation, author, body),
                    Statement.of("UPDATE hd_conversations SET messages = messages + 1 WHERE tenant_id = ? AND id = ?", tenant.value(), conversation))),
                    () -> exists(shard, "SELECT id FROM hd_messages WHERE tenant_id = ? AND id = ?", tenant.value(), messageId));
            int messages = index(tenant, shard, conversation);
            queueSummary(tenant, conversation, messages);
            return new Written(conversation, messageId, created, messages, null, null);
        });
    }

    /** The tenant's conversations matching {@code text} (blank: all), as the index has them, from hit {@code from} on. */
    public List<Map<String, Object>> search(TenantId tenant, String text, int from, int size) {
        SearchQuery query = new SearchQuery(text == null ? "" : text, from, size);
        return timed(tenant, SEARCH, () -> {
            SearchResult r = search.search(config.collection(), tenant, query);
            List<Map<String, Object>> out = new ArrayList<>();
            for (SearchHit h : r.hits()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", h.id());
                m.put("subject", h.document().get("subject"));
                m.put("status", h.document().get("status"));
                m.put("messages", h.document().get("messages"));
                out.add(m);
            }
            return out;
        });
    }

    /** A conversation with its messages, or {@link NotFound}. */
    public Map<String, Object> conversation(TenantId tenant, String id) {
        Tickets.id(id, "id");
        TenantShard shard = router.forTenant(tenant);
        QueryResult c = shard.query("SELECT id, subject, status, messages, ai_answer, summary FROM hd_conversations WHERE tenant_id = ? AND id = ?",
                tenant.value(), id);
        if (c.size() == 0) {
            throw new NotFound("no conversation " + id);
        }
        List<Object> row = c.rows().get(0);
        QueryResult ms = shard.query("SELECT id, author, body FROM hd_messages WHERE tenant_id = ? AND conversation_id = ? ORDER BY created, id",
                tenant.value(), id);
        List<Map<String, Object>> messages = new ArrayList<>();
        for (List<Object> m : ms.rows()) {
            messages.add(Map.of("id", m.get(0), "author", m.get(1), "body", m.get(2)));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", row.get(0));
        out.put("subject", row.get(1));
        out.put("status", row.get(2));
        out.put("aiAnswer", row.get(4));
        out.put("summary", row.get(5));
        out.put("messages", messages);
        return out;
    }

    /** The background summary (a {@value #SUMMARY_TYPE} job): idempotent, it rewrites the summary from the rows. */
    void summarize(TenantId tenant, String conversation) {
        TenantShard shard = router.forTenant(tenant);
        QueryResult c = shard.query("SELECT subject FROM hd_conversations WHERE tenant_id = ? AND id = ?", tenant.value(), conversation);
        if (c.size() == 0) {
            return; // nothing to summarize (never written)
        }
        List<String> bodies = bodies(shard, tenant, conversation);
        shard.update("UPDATE hd_conversations SET summary = ? WHERE tenant_id = ? AND id = ?",
                Tickets.summary(String.valueOf(c.rows().get(0).get(0)), bodies), tenant.value(), conversation);
    }

    private String aiAnswer(TenantId tenant, String id, String subject, String body) {
        return timed(tenant, AI_ANSWER, () -> {
            List<ChatMessage> messages = new ArrayList<>(List.of(
                    new ChatMessage("system", "You answer customer support questions briefly. Look up the customer's open conversations when useful."),
                    new ChatMessage("user", subject + "\n\n" + body)));
            Duration timeout = Duration.ofMillis(config.aiTimeoutMillis());
            ChatResponse first = ask(tenant, new ChatRequest(messages, 200, 0.2, List.of(LOOKUP), "auto", null, Map.of()), timeout);
            ChatResponse answer = first;
            if (!first.toolCalls().isEmpty()) {
                messages.add(new ChatMessage("assistant", null, List.of(), first.toolCalls(), null, null));
                for (ToolCall call : first.toolCalls()) {
                    messages.add(new ChatMessage("tool", lookup(tenant, call), List.of(), List.of(), call.id(), null));
                }
                answer = ask(tenant, new ChatRequest(messages, 200, 0.2, List.of(LOOKUP), "none", null, Map.of()), timeout);
            }
            String text = answer.content() == null ? "" : answer.content();
            router.forTenant(tenant).update("UPDATE hd_conversations SET ai_answer = ? WHERE tenant_id = ? AND id = ?",
                    text, tenant.value(), id);
            return text;
        });
    }

    /**
     * One question on the configured route. The customer chose neither the route nor the request, so a refusal (an
     * unknown route, a request the model does not take) is the AI answer failing, never the caller's mistake: it is
     * rethrown as such, and the {@value #AI_ANSWER} outcome counts it bad.
     */
    private ChatResponse ask(TenantId tenant, ChatRequest request, Duration timeout) {
        try {
            return llm.complete(tenant, Priority.INTERACTIVE, config.aiRoute(), request, timeout);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("route " + config.aiRoute() + " refused the question: " + e.getMessage(), e);
        }
    }

    /**
     * Queues the conversation's summary. The queue refuses a type no handler runs, which on this node means the bundle is
     * (re)starting and its handler is not registered yet: the rows are committed, so that is a 503 (the client's retry
     * with the same ids finds them and queues the summary then), never a 400 the client would not retry.
     */
    private void queueSummary(TenantId tenant, String conversation, int messages) {
        try {
            queue.submit(new JobRequest(tenant, SUMMARY_TYPE, conversation, io.headroom.queue.api.Priority.LOW,
                    "summary-" + conversation + "-" + messages));
        } catch (IllegalArgumentException e) {
            throw new QueueUnavailableException("the summary of " + conversation + " cannot be queued yet: " + e.getMessage(), e);
        }
    }

    /** The one tool the model may call: read from the tenant's own rows, whatever the model asked for. */
    private String lookup(TenantId tenant, ToolCall call) {
        if (!call.name().equals(LOOKUP.name())) {
            return "{\"error\":\"unknown tool\"}";
        }
        QueryResult r = router.forTenant(tenant).query("SELECT COUNT(*) FROM hd_conversations WHERE tenant_id = ? AND status = 'open'",
                tenant.value());
        return "{\"open_conversations\":" + r.rows().get(0).get(0) + "}";
    }

    /** Indexes the conversation from its rows; the message count is the document's version. Returns the count. */
    private int index(TenantId tenant, TenantShard shard, String conversation) {
        QueryResult c = shard.query("SELECT subject, status FROM hd_conversations WHERE tenant_id = ? AND id = ?", tenant.value(), conversation);
        List<String> bodies = bodies(shard, tenant, conversation);
        List<Object> row = c.rows().get(0);
        search.index(config.collection(), tenant, conversation, bodies.size(),
                Tickets.document(String.valueOf(row.get(0)), String.valueOf(row.get(1)), bodies));
        return bodies.size();
    }

    private static List<String> bodies(TenantShard shard, TenantId tenant, String conversation) {
        List<String> bodies = new ArrayList<>();
        for (List<Object> m : shard.query("SELECT body FROM hd_messages WHERE tenant_id = ? AND conversation_id = ? ORDER BY created, id",
                tenant.value(), conversation).rows()) {
            bodies.add(String.valueOf(m.get(0)));
        }
        return bodies;
    }

    /** Runs the insert; a refusal where the row turns out to exist already is a retry of a committed request. */
    private static boolean insertOnce(TenantShard shard, Runnable insert, Supplier<Boolean> alreadyThere) {
        try {
            insert.run();
            return true;
        } catch (ShardQueryException e) {
            if (alreadyThere.get()) {
                return false;
            }
            throw e;
        }
    }

    private static boolean exists(TenantShard shard, String sql, Object... params) {
        return shard.query(sql, params).size() > 0;
    }

    private <T> T timed(TenantId tenant, String job, Supplier<T> work) {
        long start = System.nanoTime();
        boolean ok = false;
        try {
            T result = work.get();
            ok = true;
            return result;
        } catch (NotFound | IllegalArgumentException e) {
            ok = true; // the caller's mistake, not a failed job
            throw e;
        } finally {
            signals.outcome(new OutcomeEvent(tenant, job, ok, (System.nanoTime() - start) / 1_000_000, Instant.now()));
        }
    }

    /** A conversation that does not exist (404). */
    public static final class NotFound extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotFound(String message) {
            super(message);
        }
    }
}
