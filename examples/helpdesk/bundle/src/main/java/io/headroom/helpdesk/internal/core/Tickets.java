package io.headroom.helpdesk.internal.core;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The helpdesk's rules, plain Java: what a conversation and a message may hold, the sharded tables they live in, and
 * the search document of a conversation. Ids are the client's (so a retried request finds what the first attempt
 * wrote instead of writing it twice).
 */
public final class Tickets {
    /** A conversation or message id: 1-40 characters of a-z, A-Z, 0-9, '-', '_'. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,40}");
    public static final int MAX_SUBJECT = 200;
    public static final int MAX_BODY = 4000;
    public static final int MAX_AUTHOR = 63;

    /** The sharded tables (each carries the tenant column and has it first in its primary key). */
    public static final List<String> DDL = List.of(
            "CREATE TABLE hd_conversations (tenant_id VARCHAR(63) NOT NULL, id VARCHAR(40) NOT NULL, subject VARCHAR(200) NOT NULL,"
                    + " status VARCHAR(16) NOT NULL, messages INT NOT NULL, ai_answer TEXT NULL, summary TEXT NULL,"
                    + " created DATETIME(3) NOT NULL, PRIMARY KEY (tenant_id, id))",
            "CREATE TABLE hd_messages (tenant_id VARCHAR(63) NOT NULL, id VARCHAR(40) NOT NULL, conversation_id VARCHAR(40) NOT NULL,"
                    + " author VARCHAR(63) NOT NULL, body TEXT NOT NULL, created DATETIME(3) NOT NULL, PRIMARY KEY (tenant_id, id))");

    /** The search collection's declared schema (collections are strict: every field a document holds is here). */
    public static final Map<String, Object> MAPPINGS = Map.of("properties", Map.of(
            "subject", Map.of("type", "text"),
            "text", Map.of("type", "text"),
            "status", Map.of("type", "keyword"),
            "messages", Map.of("type", "integer")));

    private Tickets() {
    }

    public static String id(String value, String what) {
        if (value == null || !ID.matcher(value).matches()) {
            throw new IllegalArgumentException("'" + what + "' is required: 1-40 characters of a-z, A-Z, 0-9, '-' or '_'");
        }
        return value;
    }

    public static String text(String value, String what, int max) {
        if (value == null || value.isBlank() || value.length() > max) {
            throw new IllegalArgumentException("'" + what + "' is required, 1-" + max + " characters");
        }
        return value;
    }

    /**
     * The conversation's search document: its subject and status, the message count (also the document's version, so
     * a later write always wins and a retried one is a no-op) and the text of its messages, first to last.
     */
    public static Map<String, Object> document(String subject, String status, List<String> bodies) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("subject", subject);
        doc.put("status", status);
        doc.put("messages", bodies.size());
        doc.put("text", String.join("\n", bodies));
        return doc;
    }

    /** A short summary of a conversation: the subject and the start of each message, at most 500 characters. */
    public static String summary(String subject, List<String> bodies) {
        StringBuilder b = new StringBuilder(subject);
        for (String body : bodies) {
            b.append(" | ").append(body, 0, Math.min(body.length(), 80));
        }
        return b.length() <= 500 ? b.toString() : b.substring(0, 497) + "...";
    }
}
