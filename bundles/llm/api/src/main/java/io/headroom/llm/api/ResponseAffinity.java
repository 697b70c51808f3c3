package io.headroom.llm.api;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Which deployment created a Responses API response, carried in the response's id: a deployment that serves the
 * Responses API itself keeps the conversation, so a call naming it in {@code previous_response_id} must go back to
 * that deployment. The gateway returns the deployment's id with a suffix {@value #MARK} + 16 hex digits (an HMAC of
 * the deployment's name keyed with its API key and endpoint: the same on every node, no state, and it does not tell a
 * tenant the deployment's name), and strips it again before passing the id to the deployment.
 */
public final class ResponseAffinity {
    /** Separates the deployment's own id from the tag (URL-safe, not in OpenAI's ids). */
    public static final String MARK = "~hr";
    private static final int TAG_LENGTH = 16;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private ResponseAffinity() {
    }

    /** The deployment's tag. */
    public static String tag(Deployment d) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            String key = (d.apiKey() == null ? "" : d.apiKey()) + "\n" + d.endpoint();
            mac.init(new SecretKeySpec(key.isEmpty() ? new byte[1] : key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] h = mac.doFinal(d.name().getBytes(StandardCharsets.UTF_8));
            char[] tag = new char[TAG_LENGTH];
            for (int i = 0; i < TAG_LENGTH / 2; i++) {
                tag[2 * i] = HEX[(h[i] >> 4) & 0xf];
                tag[2 * i + 1] = HEX[h[i] & 0xf];
            }
            return new String(tag);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The id as the gateway returns it: the deployment's own id and the deployment's tag (an id already tagged as it is). */
    public static String tagged(String id, Deployment d) {
        return id == null || id.isEmpty() || tagOf(id) != null ? id : id + MARK + tag(d);
    }

    /** The tag an id carries, or null when it carries none. */
    public static String tagOf(String id) {
        int at = id == null ? -1 : id.lastIndexOf(MARK);
        if (at < 0 || id.length() - at - MARK.length() != TAG_LENGTH) {
            return null;
        }
        for (int i = at + MARK.length(); i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return null;
            }
        }
        return id.substring(at + MARK.length());
    }

    /** The deployment's own id (what it created), without the gateway's tag. */
    public static String untagged(String id) {
        return tagOf(id) == null ? id : id.substring(0, id.lastIndexOf(MARK));
    }
}
