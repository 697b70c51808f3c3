package io.headroom.queue.internal;

import io.headroom.core.api.TenantId;
import io.headroom.queue.api.Job;
import io.headroom.queue.api.Priority;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * How a job travels in an SQS message: its payload is the body (a single space for an empty one, which SQS refuses),
 * its tenant is the MessageGroupId and an attribute, and its id, type, priority, idempotency key and start time are
 * attributes; the attempt is SQS's receive count. A received message's handle, kept with a remote worker's lease so
 * that another node can finish the job when the node holding it is gone, is its queue URL and receipt handle.
 */
final class SqsMessages {
    static final String TENANT = "tenant";
    static final String TYPE = "type";
    static final String PRIORITY = "priority";
    static final String KEY = "idempotencyKey";
    static final String JOB_ID = "jobId";
    static final String NOT_BEFORE = "notBefore";
    static final String ERROR = "error";


    private SqsMessages() {
    }

    static SendMessageBatchRequestEntry entry(WorkerQueue.Pending p) {
        Job j = p.job();
        Map<String, MessageAttributeValue> attributes = attributes(j);
        int delay = 0;
        if (p.notBeforeMillis() > 0) {
            attributes.put(NOT_BEFORE, text(String.valueOf(p.notBeforeMillis())));
            delay = (int) Math.max(0, Math.min(900, (p.notBeforeMillis() - System.currentTimeMillis() + 999) / 1000));
        }
        return SendMessageBatchRequestEntry.builder().id(j.id().replace("-", "")).messageBody(j.payload().isEmpty() ? " " : j.payload())
                .delaySeconds(delay).messageGroupId(j.tenant().value()).messageAttributes(attributes).build();
    }

    static Map<String, MessageAttributeValue> attributes(Job j) {
        Map<String, MessageAttributeValue> attributes = new HashMap<>();
        attributes.put(TENANT, text(j.tenant().value()));
        attributes.put(TYPE, text(j.type()));
        attributes.put(PRIORITY, text(j.priority().name()));
        attributes.put(JOB_ID, text(j.id()));
        if (j.idempotencyKey() != null) {
            attributes.put(KEY, text(j.idempotencyKey()));
        }
        return attributes;
    }

    static MessageAttributeValue text(String value) {
        return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
    }

    /** The job a message carries, with the id it was given at submission (the same on every delivery). */
    static Job job(Message m) {
        Map<String, MessageAttributeValue> a = m.messageAttributes();
        if (!a.containsKey(TENANT) || !a.containsKey(TYPE) || !TenantId.isValid(a.get(TENANT).stringValue())) {
            return null;
        }
        int attempt = Integer.parseInt(m.attributes().getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "1"));
        long sent = Long.parseLong(m.attributes().getOrDefault(MessageSystemAttributeName.SENT_TIMESTAMP, "0"));
        if (a.containsKey(NOT_BEFORE)) {
            // a delay beyond SQS's 15 minutes was served by receiving and hiding the message again: those were no attempts
            long beyond = Long.parseLong(a.get(NOT_BEFORE).stringValue()) - sent - 900_000;
            if (beyond > 0) {
                attempt = Math.max(1, attempt - (int) ((beyond + 43_199_999) / 43_200_000));
            }
        }
        String body = m.body().equals(" ") ? "" : m.body();
        String id = a.containsKey(JOB_ID) ? a.get(JOB_ID).stringValue() : m.messageId();
        return new Job(id, TenantId.of(a.get(TENANT).stringValue()), a.get(TYPE).stringValue(), body,
                a.containsKey(PRIORITY) ? Priority.valueOf(a.get(PRIORITY).stringValue()) : Priority.NORMAL,
                a.containsKey(KEY) ? a.get(KEY).stringValue() : null, attempt, Instant.ofEpochMilli(sent));
    }

    /** The handle of a received message: its queue URL and receipt handle, a line apart (neither holds a line break). */
    static String handle(String queueUrl, String receiptHandle) {
        return queueUrl + "\n" + receiptHandle;
    }

    /** Deletes the message of a {@link #handle} ({@code hideMillis} < 0) or hides it that long. */
    static void finish(SqsClient sqs, String handle, long hideMillis) {
        int at = handle.indexOf('\n');
        String queueUrl = handle.substring(0, at);
        String receipt = handle.substring(at + 1);
        if (hideMillis < 0) {
            sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(receipt));
        } else {
            int hide = (int) Math.min(43_200, (hideMillis + 999) / 1000);
            sqs.changeMessageVisibility(b -> b.queueUrl(queueUrl).receiptHandle(receipt).visibilityTimeout(hide));
        }
    }
}
