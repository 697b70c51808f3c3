package io.headroom.queue.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.headroom.core.api.health.Health;
import io.headroom.fixtures.ElasticMq;
import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/** SQS's approximate counts and reachability, read from a real SQS-protocol server (ElasticMQ) that is then stopped. */
public class SqsDepthsTest {
    @Test
    public void countsEachQueueByStateAndGoesDownWhenSqsStopsAnswering() throws Exception {
        ElasticMq mq = ElasticMq.start(0);
        boolean closed = false;
        try (SqsClient sqs = SqsClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.US_EAST_1)
                .endpointOverride(URI.create(mq.endpoint()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"))).build()) {
            String main = sqs.createQueue(b -> b.queueName("depths")).queueUrl();
            String overflow = sqs.createQueue(b -> b.queueName("depths-overflow")).queueUrl();
            for (int i = 0; i < 5; i++) {
                int n = i;
                sqs.sendMessage(b -> b.queueUrl(main).messageBody("m" + n));
            }
            sqs.sendMessage(b -> b.queueUrl(main).messageBody("later").delaySeconds(600));
            sqs.sendMessage(b -> b.queueUrl(overflow).messageBody("o"));
            int received = sqs.receiveMessage(b -> b.queueUrl(main).maxNumberOfMessages(2).visibilityTimeout(600)).messages().size();
            assertEquals(2, received);

            AtomicLong now = new AtomicLong(1_000);
            List<SqsDepths.Target> targets = List.of(new SqsDepths.Target("depths", "main", main),
                    new SqsDepths.Target("depths-overflow", "overflow", overflow));
            SqsDepths depths = new SqsDepths(sqs, () -> targets, mq.endpoint(), 5_000, now::get);
            SqsDepths.Round r = depths.round();
            assertEquals(r.health().detail(), Health.State.UP, r.health().state());
            assertEquals(List.of(new SqsDepths.Depth("depths", "main", 3, 2, 1), new SqsDepths.Depth("depths-overflow", "overflow", 1, 0, 0)),
                    r.depths());

            // within maxAge the round is reused: a message sent now is not counted yet; after it, it is
            sqs.sendMessage(b -> b.queueUrl(overflow).messageBody("o2"));
            assertEquals(1, depths.round().depths().get(1).visible());
            now.addAndGet(5_000);
            assertEquals(2, depths.round().depths().get(1).visible());

            // a queue that is gone while SQS answers: DEGRADED, the main queue still counted
            sqs.deleteQueue(b -> b.queueUrl(overflow));
            now.addAndGet(5_000);
            r = depths.round();
            assertEquals(r.health().detail(), Health.State.DEGRADED, r.health().state());
            assertTrue(r.health().detail(), r.health().detail().contains("depths-overflow"));
            assertEquals(1, r.depths().size());

            mq.close();
            closed = true;
            now.addAndGet(5_000);
            r = depths.round();
            assertEquals(r.health().detail(), Health.State.DOWN, r.health().state());
            assertTrue(r.health().detail(), r.health().detail().contains("does not answer"));
            assertEquals("no counts from an SQS that does not answer", List.of(), r.depths());
        } finally {
            if (!closed) {
                mq.close();
            }
        }
    }
}
