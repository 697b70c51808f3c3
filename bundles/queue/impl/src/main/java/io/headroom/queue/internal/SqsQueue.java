package io.headroom.queue.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.Signals;
import io.headroom.core.api.store.ControlStore;
import io.headroom.queue.api.DeadLetter;
import io.headroom.queue.api.FairQueue;
import io.headroom.queue.api.Job;
import io.headroom.queue.api.Priority;
import io.headroom.queue.api.QueueUnavailableException;
import java.net.URI;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.SqsClientBuilder;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueNameExistsException;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * The Amazon SQS backend: jobs wait in SQS standard queues (MessageGroupId = tenant, which is what turns on SQS fair
 * queues on AWS), and this node receives them in batches into its fair scheduler, so dispatch is fair here too.
 * A noisy tenant's new jobs go to an overflow queue that is only drained as the overflow lane has room. A job is
 * deleted after its handler succeeds; a failure hides it for a backoff, and after {@code maxAttempts} receives SQS
 * moves it to the dead-letter queue (its redrive policy). Visibility is extended while a job waits here or runs, so
 * long jobs are not handed out twice; a node that dies leaves its jobs to reappear after the visibility timeout.
 * Delivery is at least once: handlers must be idempotent.
 */
@Component(service = FairQueue.class, configurationPid = SqsQueue.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = {"backend=sqs", "service.ranking:Integer=10"})
@Designate(ocd = SqsQueue.Config.class)
public final class SqsQueue extends WorkerQueue {
    public static final String PID = "io.headroom.queue.sqs";
    private static final Logger LOG = LoggerFactory.getLogger(SqsQueue.class);
    private static final String TENANT = "tenant";
    private static final String TYPE = "type";
    private static final String PRIORITY = "priority";
    private static final String KEY = "idempotencyKey";
    private static final String JOB_ID = "jobId";

    @ObjectClassDefinition(name = "Headroom fair queue (Amazon SQS backend)")
    public @interface Config {
        @AttributeDefinition(description = "Endpoint override (ElasticMQ, LocalStack); empty for AWS")
        String endpoint() default "";

        String region() default "us-east-1";

        @AttributeDefinition(description = "Empty: the standard AWS credential chain")
        String accessKeyId() default "";

        @AttributeDefinition(type = AttributeType.PASSWORD)
        String secretAccessKey() default "";

        @AttributeDefinition(description = "Main queue name; -overflow and -dlq queues are created beside it")
        String queueName() default "headroom-jobs";

        int workers() default 4;

        int overflowWorkers() default 1;

        int noisyBacklog() default 20;

        long overflowMaxWaitMillis() default 1000;

        @AttributeDefinition(description = "Receives before SQS moves a job to the dead-letter queue")
        int maxAttempts() default 5;

        long backoffMillis() default 1000;

        long maxBackoffMillis() default 60_000;

        @AttributeDefinition(description = "Visibility timeout, s; extended while a job waits on this node or runs")
        int visibilitySeconds() default 30;

        @AttributeDefinition(description = "Long-poll wait per receive, s")
        int waitSeconds() default 1;

        @AttributeDefinition(description = "Most jobs received ahead of the workers")
        int prefetch() default 40;

        long dedupeMinutes() default 60;
    }

    /** Where a received message came from, to delete it or change its visibility. */
    private record Receipt(String queueUrl, String handle) {
    }

    private final Config config;
    private final SqsClient sqs;
    private final String mainUrl;
    private final String overflowUrl;
    private final String dlqUrl;
    private final Map<String, Receipt> received = new ConcurrentHashMap<>();
    /** Finished jobs to delete, in batches of ten (a job deleted late is at worst delivered again). */
    private final ConcurrentLinkedQueue<Receipt> toDelete = new ConcurrentLinkedQueue<>();
    private final Thread receiver;

    @Activate
    public SqsQueue(@Reference ControlStore store, @Reference Signals signals, Config config) throws SQLException {
        super(store, signals, new Tuning("sqs", config.workers(), config.overflowWorkers(), config.noisyBacklog(),
                config.overflowMaxWaitMillis(), config.dedupeMinutes()));
        this.config = config;
        this.sqs = client(config);
        try {
            dlqUrl = sqs.createQueue(b -> b.queueName(config.queueName() + "-dlq")).queueUrl();
            String dlqArn = sqs.getQueueAttributes(b -> b.queueUrl(dlqUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .attributes().get(QueueAttributeName.QUEUE_ARN);
            Map<QueueAttributeName, String> attributes = Map.of(
                    QueueAttributeName.VISIBILITY_TIMEOUT, String.valueOf(config.visibilitySeconds()),
                    QueueAttributeName.REDRIVE_POLICY, "{\"maxReceiveCount\":\"" + config.maxAttempts() + "\",\"deadLetterTargetArn\":\"" + dlqArn + "\"}");
            mainUrl = queue(config.queueName(), attributes);
            overflowUrl = queue(config.queueName() + "-overflow", attributes);
        } catch (SdkException e) {
            sqs.close();
            throw new IllegalStateException("SQS at " + describe(config) + " is not reachable: " + e.getMessage(), e);
        }
        timers.scheduleWithFixedDelay(this::deleteFinished, 20, 20, TimeUnit.MILLISECONDS);
        long extendEvery = Math.max(1, config.visibilitySeconds() / 3);
        timers.scheduleWithFixedDelay(this::extendVisibility, extendEvery, extendEvery, TimeUnit.SECONDS);
        receiver = new Thread(this::receive, "headroom-queue-sqs-receiver");
        receiver.setDaemon(true);
        receiver.start();
        startWorkers();
        LOG.info("queue: SQS backend on {} ({})", describe(config), mainUrl);
    }

    /** Creates the queue, or brings an existing one (made with other settings) to these attributes. */
    private String queue(String name, Map<QueueAttributeName, String> attributes) {
        try {
            return sqs.createQueue(b -> b.queueName(name).attributes(attributes)).queueUrl();
        } catch (QueueNameExistsException e) {
            String url = sqs.getQueueUrl(b -> b.queueName(name)).queueUrl();
            sqs.setQueueAttributes(b -> b.queueUrl(url).attributes(attributes));
            return url;
        }
    }

    private static SqsClient client(Config config) {
        SqsClientBuilder b = SqsClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.of(config.region()));
        if (!config.endpoint().isBlank()) {
            b.endpointOverride(URI.create(config.endpoint()));
        }
        AwsCredentialsProvider credentials = config.accessKeyId().isBlank() ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(config.accessKeyId(), config.secretAccessKey()));
        return b.credentialsProvider(credentials).build();
    }

    private static String describe(Config config) {
        return config.endpoint().isBlank() ? "AWS " + config.region() : config.endpoint();
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        stopWorkers();
        receiver.join(5_000);
        deleteFinished();
        // jobs received but not run go back to the queue at once instead of after their visibility timeout
        List<String> ids = new ArrayList<>(received.keySet());
        for (String id : ids) {
            Receipt r = received.remove(id);
            try {
                sqs.changeMessageVisibility(b -> b.queueUrl(r.queueUrl()).receiptHandle(r.handle()).visibilityTimeout(0));
            } catch (SdkException e) {
                break; // they come back after the visibility timeout anyway
            }
        }
        sqs.close();
    }

    @Override
    protected void accept(List<Job> jobs) {
        Set<TenantId> noisyTenants = new HashSet<>();
        scheduler.view().stream().filter(v -> v.noisy()).forEach(v -> noisyTenants.add(v.tenant()));
        Map<Boolean, List<Job>> byLane = new HashMap<>();
        for (Job j : jobs) {
            byLane.computeIfAbsent(noisyTenants.contains(j.tenant()), k -> new ArrayList<>()).add(j);
        }
        int[] sent = {0};
        try {
            byLane.forEach((noisy, list) -> {
                send(noisy ? overflowUrl : mainUrl, list);
                sent[0] += list.size();
            });
        } catch (QueueUnavailableException e) {
            throw sent[0] == 0 ? e : new QueueUnavailableException(e.getMessage() + " (" + sent[0] + " of " + jobs.size()
                    + " jobs of this request were accepted before the failure)", e);
        }
    }

    /**
     * Sends in batches of ten; a batch is retried for the entries that failed, then the caller is told. Up to ten jobs
     * are accepted or refused whole; a larger request is several batches, and the exception says how many got in.
     */
    private void send(String queueUrl, List<Job> jobs) {
        for (int from = 0; from < jobs.size(); from += 10) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (Job j : jobs.subList(from, Math.min(jobs.size(), from + 10))) {
                entries.add(entry(j));
            }
            for (int attempt = 1; !entries.isEmpty(); attempt++) {
                try {
                    List<SendMessageBatchRequestEntry> batch = entries;
                    SendMessageBatchResponse r = sqs.sendMessageBatch(b -> b.queueUrl(queueUrl).entries(batch));
                    List<String> failed = r.failed().stream().map(f -> f.id()).toList();
                    entries = entries.stream().filter(e -> failed.contains(e.id())).toList();
                    if (!entries.isEmpty() && attempt >= 3) {
                        throw new QueueUnavailableException("SQS refused " + entries.size() + " jobs: " + r.failed().get(0).message(), null);
                    }
                } catch (SdkException e) {
                    if (attempt >= 3) {
                        String partial = from == 0 ? "" : " (" + from + " of " + jobs.size() + " jobs were accepted before the failure)";
                        throw new QueueUnavailableException("SQS is not reachable (" + describe(config) + "): " + e.getMessage() + partial, e);
                    }
                }
            }
        }
    }

    private static SendMessageBatchRequestEntry entry(Job j) {
        Map<String, MessageAttributeValue> attributes = new HashMap<>();
        attributes.put(TENANT, text(j.tenant().value()));
        attributes.put(TYPE, text(j.type()));
        attributes.put(PRIORITY, text(j.priority().name()));
        attributes.put(JOB_ID, text(j.id()));
        if (j.idempotencyKey() != null) {
            attributes.put(KEY, text(j.idempotencyKey()));
        }
        return SendMessageBatchRequestEntry.builder().id(j.id().replace("-", "")).messageBody(j.payload().isEmpty() ? " " : j.payload())
                .messageGroupId(j.tenant().value()).messageAttributes(attributes).build();
    }

    private static MessageAttributeValue text(String value) {
        return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
    }

    private void receive() {
        long quietUntil = 0;
        while (running()) {
            try {
                if (scheduler.backlog() >= config.prefetch()) {
                    Thread.sleep(20);
                    continue;
                }
                int room = Math.min(10, config.prefetch() - scheduler.backlog());
                int got = take(mainUrl, room, config.waitSeconds());
                int overflowBacklog = scheduler.view().stream().mapToInt(v -> v.overflowBacklog()).sum();
                if (overflowBacklog < 2 * config.overflowWorkers()) {
                    got += take(overflowUrl, Math.min(10, 2 * config.overflowWorkers()), 0);
                }
                if (got > 0) {
                    signalIdle();
                }
            } catch (InterruptedException e) {
                return;
            } catch (SdkException e) {
                if (System.currentTimeMillis() > quietUntil) {
                    LOG.warn("queue: SQS receive failed (retrying every second): {}", e.getMessage());
                    quietUntil = System.currentTimeMillis() + 60_000;
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private int take(String queueUrl, int max, int waitSeconds) {
        List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(max).waitTimeSeconds(waitSeconds)
                .messageAttributeNames("All").messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
                        MessageSystemAttributeName.SENT_TIMESTAMP)).messages();
        for (Message m : messages) {
            Job job = job(m);
            if (job == null) {
                LOG.warn("queue: dropping SQS message {} that is not a Headroom job", m.messageId());
                sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
                continue;
            }
            received.put(job.id(), new Receipt(queueUrl, m.receiptHandle()));
            dispatch(job);
        }
        return messages.size();
    }

    /** The job a message carries, with the id it was given at submission (the same on every delivery). */
    private static Job job(Message m) {
        Map<String, MessageAttributeValue> a = m.messageAttributes();
        if (!a.containsKey(TENANT) || !a.containsKey(TYPE) || !TenantId.isValid(a.get(TENANT).stringValue())) {
            return null;
        }
        int attempt = Integer.parseInt(m.attributes().getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "1"));
        long sent = Long.parseLong(m.attributes().getOrDefault(MessageSystemAttributeName.SENT_TIMESTAMP, "0"));
        String body = m.body().equals(" ") ? "" : m.body();
        String id = a.containsKey(JOB_ID) ? a.get(JOB_ID).stringValue() : m.messageId();
        return new Job(id, TenantId.of(a.get(TENANT).stringValue()), a.get(TYPE).stringValue(), body,
                a.containsKey(PRIORITY) ? Priority.valueOf(a.get(PRIORITY).stringValue()) : Priority.NORMAL,
                a.containsKey(KEY) ? a.get(KEY).stringValue() : null, attempt, Instant.ofEpochMilli(sent));
    }

    @Override
    protected void completed(Job job, String error) {
        Receipt r = received.remove(job.id());
        if (r == null) {
            return;
        }
        if (error == null) {
            toDelete.add(r);
            if (toDelete.size() >= 10) {
                timers.execute(this::deleteFinished);
            }
            return;
        }
        if (job.attempt() >= config.maxAttempts()) {
            counters(job.tenant()).deadLettered.incrementAndGet(); // SQS moves it on its next receive
            LOG.warn("queue: job {} of tenant {} failed its last attempt and goes to the dead-letter queue: {}", job.id(), job.tenant(), error);
        }
        int backoff = (int) Math.min(43_200, backoffMillis(config.backoffMillis(), config.maxBackoffMillis(), job.attempt()) / 1000);
        sqs.changeMessageVisibility(b -> b.queueUrl(r.queueUrl()).receiptHandle(r.handle()).visibilityTimeout(backoff));
    }

    private synchronized void deleteFinished() {
        Map<String, List<DeleteMessageBatchRequestEntry>> byQueue = new HashMap<>();
        for (Receipt r; (r = toDelete.poll()) != null; ) {
            List<DeleteMessageBatchRequestEntry> list = byQueue.computeIfAbsent(r.queueUrl(), k -> new ArrayList<>());
            list.add(DeleteMessageBatchRequestEntry.builder().id("d" + list.size()).receiptHandle(r.handle()).build());
        }
        byQueue.forEach((url, entries) -> {
            for (int from = 0; from < entries.size(); from += 10) {
                List<DeleteMessageBatchRequestEntry> batch = entries.subList(from, Math.min(entries.size(), from + 10));
                try {
                    sqs.deleteMessageBatch(b -> b.queueUrl(url).entries(batch));
                } catch (SdkException e) {
                    LOG.warn("queue: {} finished jobs not deleted; SQS will deliver them again: {}", batch.size(), e.getMessage());
                }
            }
        });
    }

    /** Keeps jobs waiting on this node or running invisible to other consumers. */
    private void extendVisibility() {
        Map<String, List<ChangeMessageVisibilityBatchRequestEntry>> byQueue = new HashMap<>();
        received.forEach((id, r) -> byQueue.computeIfAbsent(r.queueUrl(), k -> new ArrayList<>()).add(ChangeMessageVisibilityBatchRequestEntry
                .builder().id(id.replace("-", "")).receiptHandle(r.handle()).visibilityTimeout(config.visibilitySeconds()).build()));
        byQueue.forEach((url, entries) -> {
            for (int from = 0; from < entries.size(); from += 10) {
                List<ChangeMessageVisibilityBatchRequestEntry> batch = entries.subList(from, Math.min(entries.size(), from + 10));
                try {
                    sqs.changeMessageVisibilityBatch(b -> b.queueUrl(url).entries(batch));
                } catch (SdkException e) {
                    LOG.warn("queue: could not extend visibility of {} jobs: {}", batch.size(), e.getMessage());
                }
            }
        });
    }

    @Override
    public List<DeadLetter> deadLetters(int limit) {
        List<DeadLetter> out = new ArrayList<>();
        // peek: receive with a zero visibility timeout leaves the messages where they are
        List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(dlqUrl).maxNumberOfMessages(Math.min(10, limit)).visibilityTimeout(0)
                .messageAttributeNames("All").messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
                        MessageSystemAttributeName.SENT_TIMESTAMP)).messages();
        for (Message m : messages) {
            Job j = job(m);
            if (j != null) {
                out.add(new DeadLetter(j, "failed " + config.maxAttempts() + " attempts", Instant.ofEpochMilli(
                        Long.parseLong(m.attributes().getOrDefault(MessageSystemAttributeName.SENT_TIMESTAMP, "0"))).toString()));
            }
        }
        return out;
    }

    @Override
    public int redrive(TenantId tenant) {
        int moved = 0;
        for (int round = 0; round < 1000; round++) {
            List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(dlqUrl).maxNumberOfMessages(10).visibilityTimeout(30)
                    .messageAttributeNames("All")).messages();
            if (messages.isEmpty()) {
                break;
            }
            for (Message m : messages) {
                Job j = job(m);
                if (j == null || (tenant != null && !j.tenant().equals(tenant))) {
                    sqs.changeMessageVisibility(b -> b.queueUrl(dlqUrl).receiptHandle(m.receiptHandle()).visibilityTimeout(0));
                    continue;
                }
                sqs.sendMessage(b -> b.queueUrl(mainUrl).messageBody(m.body()).messageGroupId(j.tenant().value())
                        .messageAttributes(m.messageAttributes()));
                sqs.deleteMessage(b -> b.queueUrl(dlqUrl).receiptHandle(m.receiptHandle()));
                moved++;
            }
            if (tenant != null && messages.stream().map(SqsQueue::job).allMatch(j -> j == null || !j.tenant().equals(tenant))) {
                break; // only other tenants' letters left in view
            }
        }
        return moved;
    }

}
