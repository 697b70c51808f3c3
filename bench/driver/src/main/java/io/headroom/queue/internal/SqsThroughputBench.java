package io.headroom.queue.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import io.headroom.fixtures.ElasticMq;
import io.headroom.fixtures.MariaDb;
import io.headroom.fixtures.PlainControlStore;
import io.headroom.queue.api.JobHandler;
import io.headroom.queue.api.JobRequest;
import io.headroom.queue.api.Priority;
import java.lang.annotation.Annotation;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * SQS backend throughput against a plain AWS SDK loop, same ElasticMQ, same run: N jobs sent in batches of ten and
 * consumed by two threads (the plain loop: receive ten, delete ten; Headroom: the SQS backend with two workers and a
 * no-op handler, which adds fair dispatch, visibility tracking and per-job deletes). Lives in the backend's package
 * to reach its handler binding; runs on the plain classpath, not in OSGi.
 * Usage: SqsThroughputBench [jobs]   (default 10000)
 */
public final class SqsThroughputBench {
    public static void main(String[] args) throws Exception {
        int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        try (ElasticMq mq = ElasticMq.start(0); MariaDb db = MariaDb.machineOrEmbedded()) {
            String schema = "headroom_bench_" + UUID.randomUUID().toString().substring(0, 8);
            try {
                double plain = 0;
                double headroom = 0;
                for (int round = 0; round < 3; round++) {
                    double p = plainLoop(mq.endpoint(), jobs);
                    double h = headroom(mq.endpoint(), db, schema, jobs);
                    System.out.printf("  round %d: plain SDK %.0f jobs/s, Headroom SQS backend %.0f jobs/s%n", round + 1, p, h);
                    if (round > 0) {
                        plain += p / 2;
                        headroom += h / 2;
                    }
                }
                System.out.printf("machine: %d cores, %s %s%n", Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                        System.getProperty("java.version"));
                System.out.printf("SQS (ElasticMQ, same JVM), %d jobs, batches of 10, 2 consumers: plain SDK %.0f jobs/s,"
                        + " Headroom %.0f jobs/s, ratio %.2f (mean of rounds 2-3)%n", jobs, plain, headroom, headroom / plain);
            } finally {
                db.dropSchema(schema);
            }
        }
    }

    private static SqsClient client(String endpoint) {
        return SqsClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.US_EAST_1)
                .endpointOverride(URI.create(endpoint))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"))).build();
    }

    private static double plainLoop(String endpoint, int jobs) throws Exception {
        try (SqsClient sqs = client(endpoint)) {
            String url = sqs.createQueue(b -> b.queueName("plain-" + UUID.randomUUID().toString().substring(0, 8))).queueUrl();
            long t0 = System.nanoTime();
            AtomicInteger done = new AtomicInteger();
            List<Thread> consumers = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                Thread t = new Thread(() -> {
                    while (done.get() < jobs) {
                        List<Message> got = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)).messages();
                        if (got.isEmpty()) {
                            continue;
                        }
                        List<DeleteMessageBatchRequestEntry> del = new ArrayList<>();
                        for (Message m : got) {
                            del.add(DeleteMessageBatchRequestEntry.builder().id(m.messageId()).receiptHandle(m.receiptHandle()).build());
                        }
                        sqs.deleteMessageBatch(b -> b.queueUrl(url).entries(del));
                        done.addAndGet(got.size());
                    }
                });
                consumers.add(t);
                t.start();
            }
            for (int from = 0; from < jobs; from += 10) {
                List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
                for (int i = from; i < Math.min(jobs, from + 10); i++) {
                    batch.add(SendMessageBatchRequestEntry.builder().id("m" + i).messageBody("job " + i).messageGroupId("t" + (i % 50)).build());
                }
                sqs.sendMessageBatch(b -> b.queueUrl(url).entries(batch));
            }
            for (Thread t : consumers) {
                t.join();
            }
            return jobs / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private static double headroom(String endpoint, MariaDb db, String schema, int jobs) throws Exception {
        AtomicInteger handled = new AtomicInteger();
        SqsQueue queue = new SqsQueue(new PlainControlStore(db, schema), NO_SIGNALS, null, config(endpoint, "hr-" + UUID.randomUUID().toString().substring(0, 8)));
        try {
            queue.putHandler("bench.noop", job -> handled.incrementAndGet());
            long t0 = System.nanoTime();
            for (int from = 0; from < jobs; from += 10) {
                List<JobRequest> batch = new ArrayList<>();
                for (int i = from; i < Math.min(jobs, from + 10); i++) {
                    batch.add(new JobRequest(TenantId.of("t" + (i % 50)), "bench.noop", "job " + i, Priority.NORMAL, null));
                }
                queue.submitAll(batch);
            }
            while (handled.get() < jobs) {
                Thread.sleep(5);
            }
            return jobs / ((System.nanoTime() - t0) / 1e9);
        } finally {
            queue.deactivate();
        }
    }

    private static final Signals NO_SIGNALS = new Signals() {
        public void outcome(OutcomeEvent event) {
        }

        public void load(LoadSample sample) {
        }
    };

    private static SqsQueueConfig config(String endpoint, String queueName) {
        return new SqsQueueConfig() {
            public String endpoint() { return endpoint; }
            public String region() { return "us-east-1"; }
            public String accessKeyId() { return "x"; }
            public String secretAccessKey() { return "x"; }
            public String queueName() { return queueName; }
            public int workers() { return 2; }
            public int overflowWorkers() { return 1; }
            public int noisyBacklog() { return 20; }
            public long overflowMaxWaitMillis() { return 1000; }
            public int maxAttempts() { return 5; }
            public long backoffMillis() { return 1000; }
            public long maxBackoffMillis() { return 60_000; }
            public int visibilitySeconds() { return 30; }
            public int waitSeconds() { return 1; }
            public int prefetch() { return 40; }
            public int receivers() { return 4; }
            public long dedupeMinutes() { return 60; }
            public int maxBacklogPerTenant() { return 1_000_000; }
            public long refreshMillis() { return 2000; }
            public long fleetFlushMillis() { return 1000; }
            public long countsMillis() { return 5000; }
            public Class<? extends Annotation> annotationType() { return SqsQueueConfig.class; }
        };
    }
}
