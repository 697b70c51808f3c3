package io.headroom.queue.internal.core;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures: {@code webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">} with the
 * secret {@code whsec_<base64 key>}. The message id stays the same across retries, so receivers can deduplicate.
 */
public final class StandardWebhooks {
    public static final String PREFIX = "whsec_";

    private StandardWebhooks() {
    }

    /** The key bytes of a secret; refuses anything but {@code whsec_} and base64 of 24 to 64 bytes. */
    public static byte[] key(String secret) {
        if (secret == null || !secret.startsWith(PREFIX)) {
            throw new IllegalArgumentException("the secret must be 'whsec_' followed by base64 of 24-64 random bytes");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(secret.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the secret after 'whsec_' is not base64");
        }
        if (key.length < 24 || key.length > 64) {
            throw new IllegalArgumentException("the secret must hold 24-64 bytes, not " + key.length);
        }
        return key;
    }

    /** The value of the {@code webhook-signature} header. */
    public static String sign(byte[] key, String messageId, long timestampSeconds, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] sig = mac.doFinal((messageId + "." + timestampSeconds + "." + body).getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(sig);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
