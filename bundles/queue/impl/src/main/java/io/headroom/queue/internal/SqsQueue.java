package io.headroom.queue.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.fleet.Fleet;
import io.headroom.core.api.load.TenantLimits;
import io.headroom.core.api.signal.Signals;
import io.headroom.core.api.store.ControlStore;
import io.headroom.queue.api.DeadLetter;
import io.headroom.queue.api.Delivery;
import io.headroom.queue.api.FairQueue;
import io.headroom.queue.api.Job;
import io.headroom.queue.api.QueueUnavailableException;
import io.headroom.queue.api.RemoteType;
import io.headroom.queue.internal.core.FairScheduler;
import io.headroom.queue.internal.core.SubmitRate;
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
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
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
 * A noisy tenant's new jobs go to an overflow queue that is only drained as the overflow lane has room; a tenant that
 * submits in a burst is sent there from its submissions alone, before any of its jobs was received. A job is
 * deleted after its handler succeeds; a failure hides it for a backoff, and after {@code maxAttempts} it is moved to
 * the dead-letter queue with its last error (the queue's redrive policy is a backstop). Visibility is extended while
 * a job waits here or runs, so long jobs are not handed out twice; a leased job stays hidden as long as its lease (and
 * {@link SqsReceipts#LEASE_MARGIN_MILLIS}), so a node that dies leaves its leased jobs to reappear when their leases would
 * have expired, and the others after the backend's visibility timeout. Each remote job type has its own main and overflow queues; a lease is the
 * message's receipt handle held by this node, which keeps the message invisible until the lease is acked (deleted),
 * nacked or expires (hidden for the retry delay, so it is received again as its next attempt).
 * Delivery is at least once: handlers and workers must be idempotent.
 */
@Component(service = FairQueue.class, configurationPid = SqsQueue.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = {"backend=sqs", "service.ranking:Integer=10"})
@Designate(ocd = SqsQueueConfig.class)
public final class SqsQueue extends WorkerQueue {
    public static final String PID = "io.headroom.queue.sqs";
    private static final Logger LOG = LoggerFactory.getLogger(SqsQueue.class);

    /**
     * Where jobs of a kind wait: the main and overflow queues and the scheduler they are received into. Handler types
     * share the configured queues; each remote type has queues of its own, so a type nobody consumes holds up no other.
     */
    private final class Channel {
        final String name;
        final String mainUrl;
        final String overflowUrl;
        final String remoteType;
        final SubmitRate bursts = new SubmitRate(10_000_000_000L, config.noisyBacklog(), 0.5, System::nanoTime);
        final List<Thread> receivers = new ArrayList<>();

        Channel(String name, String mainUrl, String overflowUrl, String remoteType) {
            this.name = name;
            this.mainUrl = mainUrl;
            this.overflowUrl = overflowUrl;
            this.remoteType = remoteType;
        }

        FairScheduler scheduler() {
            return remoteType == null ? scheduler : schedulerFor(remoteType);
        }

        /**
         * The visibility a message is received with: a remote type's lease plus the margin (so that a message leased
         * soon after it came keeps it as its lease's), at least 10 s; the backend's for handler types.
         */
        int receiveSeconds() {
            RemoteType t = remoteType == null ? null : remoteType(remoteType).orElse(null);
            if (t == null) {
                return config.visibilitySeconds();
            }
            long lease = t.delivery() == Delivery.PUSH ? PushDelivery.leaseSeconds(t) : t.visibilitySeconds();
            return (int) Math.min(43_200, Math.max(10, lease + SqsReceipts.LEASE_MARGIN_MILLIS / 1000));
        }

        /** Jobs held ahead per lane: {@code prefetch}, or up to a remote type's concurrency (at most 1,000), so a lease of many gets them. */
        int prefetch() {
            int concurrency = remoteType == null ? 0 : remoteType(remoteType).map(t -> t.concurrency()).orElse(0);
            return Math.max(config.prefetch(), Math.min(1000, concurrency));
        }

        void start() {
            for (int i = 0; i < Math.max(1, config.receivers()); i++) {
                Thread receiver = new Thread(() -> receive(this), "headroom-queue-sqs-receiver-" + name + "-" + i);
                receiver.setDaemon(true);
                receivers.add(receiver);
                receiver.start();
            }
        }

        void join() throws InterruptedException {
            for (Thread t : receivers) {
                t.join(5_000);
            }
        }
    }

    private final SqsQueueConfig config;
    private final SqsClient sqs;
    private final String mainUrl;
    private final String overflowUrl;
    private final String dlqUrl;
    private final SqsReceipts receipts;
    private final Channel local;
    private final Map<String, Channel> remoteChannels = new ConcurrentHashMap<>();
    private final Map<QueueAttributeName, String> remoteAttributes;
    private final SqsDepths depths;

    @Override
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindTenantLimits(TenantLimits limits) {
        super.bindTenantLimits(limits);
    }

    @Override
    void unbindTenantLimits(TenantLimits limits) {
        super.unbindTenantLimits(limits);
    }

    @Activate
    public SqsQueue(@Reference ControlStore store, @Reference Signals signals, @Reference Fleet fleet, SqsQueueConfig config) throws SQLException {
        super(store, signals, new Tuning("sqs", config.workers(), config.overflowWorkers(), config.noisyBacklog(),
                config.overflowMaxWaitMillis(), config.dedupeMinutes(), config.maxAttempts(), config.backoffMillis(),
                config.maxBackoffMillis(), config.maxBacklogPerTenant(), config.refreshMillis(), config.fleetFlushMillis()),
                fleet);
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
            // remote types count their attempts themselves (per type) and move dead jobs at once; this is a backstop
            remoteAttributes = Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, String.valueOf(config.visibilitySeconds()),
                    QueueAttributeName.REDRIVE_POLICY, "{\"maxReceiveCount\":\"1000\",\"deadLetterTargetArn\":\"" + dlqArn + "\"}");
        } catch (SdkException e) {
            sqs.close();
            throw new IllegalStateException("SQS at " + describe(config) + " is not reachable: " + e.getMessage(), e);
        }
        receipts = new SqsReceipts(sqs, config.visibilitySeconds());
        depths = new SqsDepths(sqs, this::depthTargets, describe(config), config.countsMillis(), System::currentTimeMillis);
        timers.scheduleWithFixedDelay(receipts::deleteAll, 20, 20, TimeUnit.MILLISECONDS);
        long renewAhead = Math.max(5_000, config.visibilitySeconds() * 1000L / 3);
        timers.scheduleWithFixedDelay(() -> receipts.renew(renewAhead), 1, 1, TimeUnit.SECONDS);
        local = new Channel("local", mainUrl, overflowUrl, null);
        local.start();
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

    /** SQS's approximate counts of this backend's queues and whether SQS answers (read at most every {@code countsMillis}). */
    SqsDepths.Round depths() {
        return depths.round();
    }

    /** The queues whose counts are read: the main queue first, its overflow and dead-letter queues, then each remote type's. */
    private List<SqsDepths.Target> depthTargets() {
        List<SqsDepths.Target> out = new ArrayList<>();
        out.add(new SqsDepths.Target(config.queueName(), "main", mainUrl));
        out.add(new SqsDepths.Target(config.queueName() + "-overflow", "overflow", overflowUrl));
        out.add(new SqsDepths.Target(config.queueName() + "-dlq", "dead_letter", dlqUrl));
        for (Channel c : remoteChannels.values()) {
            out.add(new SqsDepths.Target(c.name, "main", c.mainUrl));
            out.add(new SqsDepths.Target(c.name + "-overflow", "overflow", c.overflowUrl));
        }
        return out;
    }

    private static SqsClient client(SqsQueueConfig config) {
        SqsClientBuilder b = SqsClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.of(config.region()));
        if (!config.endpoint().isBlank()) {
            b.endpointOverride(URI.create(config.endpoint()));
        }
        AwsCredentialsProvider credentials = config.accessKeyId().isBlank() ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(config.accessKeyId(), config.secretAccessKey()));
        return b.credentialsProvider(credentials).build();
    }

    private static String describe(SqsQueueConfig config) {
        return config.endpoint().isBlank() ? "AWS " + config.region() : config.endpoint();
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        stopWorkers();
        local.join();
        for (Channel c : remoteChannels.values()) {
            c.join();
        }
        receipts.deleteAll();
        // jobs received but not run go back to the queue at once instead of after their visibility timeout
        for (String id : receipts.jobIds()) {
            SqsReceipts.Receipt r = receipts.remove(id);
            if (r == null) {
                continue;
            }
            try {
                sqs.changeMessageVisibility(b -> b.queueUrl(r.queueUrl).receiptHandle(r.handle).visibilityTimeout(0));
            } catch (SdkException e) {
                break; // they come back after the visibility timeout anyway
            }
        }
        sqs.close();
    }

    @Override
    protected boolean jobsOutliveNodes() {
        return true;
    }

    @Override
    protected boolean lanesChosenAtSubmit() {
        return true;
    }

    @Override
    protected Map<String, Map<TenantId, Double>> submitRates() {
        Map<String, Map<TenantId, Double>> out = new HashMap<>();
        Channel l = local;
        if (l != null) {
            out.put("", l.bursts.rates());
        }
        if (remoteChannels != null) { // null while this object is still being built
            remoteChannels.forEach((type, c) -> out.put(type, c.bursts.rates()));
        }
        return out;
    }

    /** The channel of a job type: its own queues for a remote type (created on first use), the configured ones otherwise. */
    private Channel channel(String type) {
        if (storedType(type) == null) {
            return local;
        }
        return remoteChannels.computeIfAbsent(type, t -> {
            String base = config.queueName() + "-t-" + typeHash(t);
            Channel c = new Channel(base, queue(base, remoteAttributes), queue(base + "-overflow", remoteAttributes), t);
            if (running()) {
                c.start();
            }
            return c;
        });
    }

    private static String typeHash(String type) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(type.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < 6; i++) {
                b.append(String.format("%02x", d[i]));
            }
            return b.toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected void remoteTypesChanged(Set<String> names) {
        for (String name : names) {
            try {
                channel(name);
            } catch (SdkException e) {
                LOG.warn("queue: cannot create the SQS queues of job type {} yet: {}", name, e.getMessage());
            }
        }
    }

    @Override
    protected void accept(List<Pending> jobs) {
        Map<String, List<Pending>> byQueue = new HashMap<>();
        Set<String> overflowQueues = new HashSet<>();
        try {
            for (Pending p : jobs) {
                Channel c = channel(p.job().type());
                boolean bursting = c.bursts.submitted(p.job().tenant());
                // noisy on this node, or in the fleet (the scheduler holds the fleet's verdict)
                boolean overflow = bursting || c.scheduler().noisy(p.job().tenant());
                byQueue.computeIfAbsent(overflow ? c.overflowUrl : c.mainUrl, k -> new ArrayList<>()).add(p);
                if (overflow) {
                    overflowQueues.add(c.overflowUrl);
                }
            }
        } catch (SdkException e) {
            throw new QueueUnavailableException("SQS is not reachable (" + describe(config) + "): " + e.getMessage(), e);
        }
        int[] sent = {0};
        try {
            byQueue.forEach((url, list) -> {
                send(url, list);
                sent[0] += list.size();
                if (overflowQueues.contains(url)) {
                    list.forEach(p -> counters(p.job().tenant()).overflowed.incrementAndGet());
                }
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
    private void send(String queueUrl, List<Pending> jobs) {
        for (int from = 0; from < jobs.size(); from += 10) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (Pending p : jobs.subList(from, Math.min(jobs.size(), from + 10))) {
                entries.add(SqsMessages.entry(p));
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

    /**
     * Keeps the channel's scheduler fed, each lane at most {@code prefetch} ahead: the main queue always (long-polled
     * when the overflow queue is dry), so a quiet tenant's job is received however much overflow work waits here; the
     * overflow queue while the overflow lane holds fewer than two jobs per overflow worker, or up to {@code prefetch}
     * when the main lane has nothing waiting.
     */
    private void receive(Channel c) {
        long quietUntil = 0;
        boolean overflowDry = true;
        while (running()) {
            try {
                FairScheduler s = c.scheduler();
                int prefetch = c.prefetch();
                int overflowBacklog = s.view().stream().mapToInt(v -> v.overflowBacklog()).sum();
                int mainBacklog = s.backlog() - overflowBacklog;
                int got = 0;
                boolean polled = false;
                if (mainBacklog < prefetch) {
                    got = take(c, c.mainUrl, Math.min(10, prefetch - mainBacklog), overflowDry ? config.waitSeconds() : 0);
                    mainBacklog += got;
                    polled = true;
                }
                int limit = mainBacklog == 0 ? prefetch : 2 * config.overflowWorkers();
                if (overflowBacklog < limit) {
                    int more = take(c, c.overflowUrl, Math.min(10, limit - overflowBacklog), 0);
                    overflowDry = more == 0;
                    got += more;
                    polled = true;
                } else {
                    overflowDry = false;
                }
                if (got > 0 && c.remoteType == null) {
                    signalIdle();
                }
                if (got == 0 && (!polled || !overflowDry)) {
                    Thread.sleep(20);
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
            } catch (RuntimeException e) {
                LOG.warn("queue: SQS receive round failed: {}", e.toString());
            }
        }
    }

    private int take(Channel c, String queueUrl, int max, int waitSeconds) {
        int visibility = c.receiveSeconds();
        long before = System.currentTimeMillis();
        List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(max).waitTimeSeconds(waitSeconds)
                .visibilityTimeout(visibility)
                .messageAttributeNames("All").messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
                        MessageSystemAttributeName.SENT_TIMESTAMP)).messages();
        List<Job> ready = new ArrayList<>(messages.size());
        for (Message m : messages) {
            Job job = SqsMessages.job(m);
            if (job == null) {
                LOG.warn("queue: dropping SQS message {} that is not a Headroom job", m.messageId());
                sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
                continue;
            }
            SqsReceipts.Receipt r = new SqsReceipts.Receipt(queueUrl, m.receiptHandle(), before + visibility * 1000L);
            MessageAttributeValue nb = m.messageAttributes().get(SqsMessages.NOT_BEFORE);
            long notBefore = nb == null ? 0 : Long.parseLong(nb.stringValue());
            if (notBefore > System.currentTimeMillis() + 500) {
                int hide = (int) Math.min(43_200, (notBefore - System.currentTimeMillis() + 999) / 1000);
                sqs.changeMessageVisibility(b -> b.queueUrl(queueUrl).receiptHandle(r.handle).visibilityTimeout(hide));
                continue;
            }
            receipts.put(job.id(), r);
            if (tracker.isCancelled(job.id())) {
                dropCancelled(job);
                continue;
            }
            RemoteTypeLimit limit = remoteLimit(job.type());
            if (limit != null && job.attempt() > limit.maxAttempts()) {
                // its last lease expired: it had all its attempts
                finish(new Job(job.id(), job.tenant(), job.type(), job.payload(), job.priority(), job.idempotencyKey(),
                        limit.maxAttempts(), job.enqueuedAt()), "lease expired on its last attempt", -1);
                continue;
            }
            ready.add(job);
        }
        dispatchAll(claimReceived(ready)); // a cancel and this node's start meet on the job's record
        return messages.size();
    }

    private record RemoteTypeLimit(int maxAttempts) {
    }

    private RemoteTypeLimit remoteLimit(String type) {
        return remoteType(type).map(t -> new RemoteTypeLimit(t.maxAttempts())).orElse(null);
    }

    @Override
    protected void succeeded(Job job) {
        receipts.delete(job.id());
    }

    @Override
    protected String leaseHandle(Job job) {
        SqsReceipts.Receipt r = receipts.get(job.id());
        return r == null ? null : SqsMessages.handle(r.queueUrl, r.handle);
    }

    @Override
    protected void leased(List<Job> jobs, long expiresAtMillis) {
        receipts.leased(jobs, expiresAtMillis);
    }

    @Override
    protected void forgetHeld(Job job) {
        receipts.remove(job.id());
    }

    @Override
    protected void finishForGoneHolder(String handle, long hideMillis) {
        SqsMessages.finish(sqs, handle, hideMillis);
    }

    @Override
    protected void retry(Job job, long delayMillis) {
        SqsReceipts.Receipt r = receipts.remove(job.id());
        if (r == null) {
            return;
        }
        int hide = (int) Math.min(43_200, (delayMillis + 999) / 1000);
        sqs.changeMessageVisibility(b -> b.queueUrl(r.queueUrl).receiptHandle(r.handle).visibilityTimeout(hide));
    }

    /** Moves the job to the dead-letter queue at once, with its last error. */
    @Override
    protected void deadLetter(Job job, String error) {
        SqsReceipts.Receipt r = receipts.remove(job.id());
        if (r == null) {
            return;
        }
        Map<String, MessageAttributeValue> attributes = SqsMessages.attributes(job);
        attributes.put(SqsMessages.ERROR, SqsMessages.text(error.length() > 1000 ? error.substring(0, 1000) : error));
        sqs.sendMessage(b -> b.queueUrl(dlqUrl).messageBody(job.payload().isEmpty() ? " " : job.payload())
                .messageGroupId(job.tenant().value()).messageAttributes(attributes));
        sqs.deleteMessage(b -> b.queueUrl(r.queueUrl).receiptHandle(r.handle));
    }

    @Override
    public List<DeadLetter> deadLetters(int limit) {
        List<DeadLetter> out = new ArrayList<>();
        // peek: receive with a zero visibility timeout leaves the messages where they are
        List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(dlqUrl).maxNumberOfMessages(Math.min(10, limit)).visibilityTimeout(0)
                .messageAttributeNames("All").messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
                        MessageSystemAttributeName.SENT_TIMESTAMP)).messages();
        for (Message m : messages) {
            Job j = SqsMessages.job(m);
            if (j != null) {
                MessageAttributeValue error = m.messageAttributes().get(SqsMessages.ERROR);
                out.add(new DeadLetter(j, error != null ? error.stringValue() : "failed " + config.maxAttempts() + " attempts", Instant.ofEpochMilli(
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
                Job j = SqsMessages.job(m);
                if (j == null || (tenant != null && !j.tenant().equals(tenant))) {
                    sqs.changeMessageVisibility(b -> b.queueUrl(dlqUrl).receiptHandle(m.receiptHandle()).visibilityTimeout(0));
                    continue;
                }
                Map<String, MessageAttributeValue> attributes = new HashMap<>(m.messageAttributes());
                attributes.remove(SqsMessages.ERROR);
                attributes.remove(SqsMessages.NOT_BEFORE);
                String target = channel(j.type()).mainUrl;
                sqs.sendMessage(b -> b.queueUrl(target).messageBody(m.body()).messageGroupId(j.tenant().value())
                        .messageAttributes(attributes));
                sqs.deleteMessage(b -> b.queueUrl(dlqUrl).receiptHandle(m.receiptHandle()));
                moved++;
            }
            if (tenant != null && messages.stream().map(SqsMessages::job).allMatch(j -> j == null || !j.tenant().equals(tenant))) {
                break; // only other tenants' letters left in view
            }
        }
        return moved;
    }

}
