package io.headroom.sharding.internal.core;

import io.headroom.sharding.api.UnsafeStatementException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The statement's text as the MySQL/MariaDB server reads it, so the safe path checks what the server will run.
 * The servers execute code inside {@code /*! ... *}{@code /} and {@code /*M! ... *}{@code /} comments and read
 * {@code --1} as minus minus one, while the SQL parser drops comments; so every comment form is refused here, along
 * with every piece of text whose meaning depends on server or driver settings: double-quoted strings (identifiers
 * under ANSI_QUOTES), backslashes (escapes unless NO_BACKSLASH_ESCAPES), driver escapes {@code {fn ...}}, variables
 * ({@code @v}, {@code @@system}), statement separators; and the functions and clauses that reach outside the
 * tenant's rows: files, sleeps, locks, replication waits, the server's identity, and the system schemas.
 *
 * <p>{@link #tokens} also serves to compare the text with the parser's rendering of its tree: equal token lists mean
 * the parser consumed every token the server will see, in the same order.
 */
public final class SqlText {
    /** Functions refused anywhere in a statement (by name, followed by an opening parenthesis). */
    static final Set<String> REFUSED_FUNCTIONS = Set.of(
            "load_file", "sleep", "benchmark",
            "get_lock", "release_lock", "release_all_locks", "is_free_lock", "is_used_lock",
            "master_pos_wait", "master_gtid_wait", "source_pos_wait", "wait_for_executed_gtid_set",
            "wait_until_sql_thread_after_gtids", "sys_exec", "sys_eval",
            "database", "schema", "user", "current_user", "session_user", "system_user", "current_role", "version",
            "connection_id", "nextval", "lastval", "setval", "uuid_short");
    /** Words refused anywhere (keywords that need no parenthesis). */
    static final Set<String> REFUSED_WORDS = Set.of("outfile", "dumpfile", "current_user", "current_role",
            "information_schema", "performance_schema", "mysql", "sys", "procedure");
    /** Schemas of the server itself. */
    static final Set<String> SYSTEM_SCHEMAS = Set.of("information_schema", "performance_schema", "mysql", "sys");

    public enum Kind { WORD, IDENT, STRING, NUMBER, PARAM, SYMBOL }

    /** A token: words and quoted identifiers lower-cased, strings as written between their quotes. */
    public record Token(Kind kind, String text) {
    }

    private SqlText() {
    }

    /**
     * The tokens of {@code sql} read by the server's rules; refuses (UnsafeStatementException) comments, separators,
     * text whose meaning depends on settings, and the functions and words outside the tenant's rows.
     */
    public static List<Token> check(String sql) {
        List<Token> tokens = tokens(sql);
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.kind() == Kind.WORD || t.kind() == Kind.IDENT) {
                boolean call = i + 1 < tokens.size() && tokens.get(i + 1).text().equals("(");
                if (call && REFUSED_FUNCTIONS.contains(t.text())) {
                    throw new UnsafeStatementException("function " + t.text().toUpperCase(Locale.ROOT)
                            + "() is not allowed: it reaches outside the tenant's rows");
                }
                if (SYSTEM_SCHEMAS.contains(t.text())) {
                    throw new UnsafeStatementException("the system schema " + t.text() + " is not reachable");
                }
                if (t.kind() == Kind.WORD && REFUSED_WORDS.contains(t.text())) {
                    throw new UnsafeStatementException(t.text().toUpperCase(Locale.ROOT) + " is not allowed here");
                }
            }
        }
        return tokens;
    }

    /** Whether the parser's rendering carries the same tokens as the text the caller sent. */
    public static boolean sameTokens(List<Token> sent, String rendered) {
        List<Token> other;
        try {
            other = tokens(rendered);
        } catch (UnsafeStatementException e) {
            return false;
        }
        return sent.equals(other);
    }

    /** The server's lexical reading of {@code sql}; refuses what the server and the parser could read differently. */
    public static List<Token> tokens(String sql) {
        List<Token> out = new ArrayList<>();
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                i++;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                throw new UnsafeStatementException("comments are not allowed (the server runs /*! ... */ and /*M! ... */ as code)");
            } else if (c == '#') {
                throw new UnsafeStatementException("comments are not allowed (#)");
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                throw new UnsafeStatementException("'--' is not allowed (a comment, or minus minus: write it with a space, - -x)");
            } else if (c == ';') {
                throw new UnsafeStatementException("send one statement without ';'");
            } else if (c == '"') {
                throw new UnsafeStatementException("double quotes are not allowed: use 'text' for strings and `name` for identifiers");
            } else if (c == '\\') {
                throw new UnsafeStatementException("backslashes are not allowed outside parameters");
            } else if (c == '{' || c == '}') {
                throw new UnsafeStatementException("driver escapes {...} are not allowed");
            } else if (c == '@') {
                throw new UnsafeStatementException("variables (@name, @@name) are not allowed");
            } else if (c == '\'') {
                int end = i + 1;
                StringBuilder s = new StringBuilder();
                while (true) {
                    if (end >= n) {
                        throw new UnsafeStatementException("unterminated string literal");
                    }
                    char d = sql.charAt(end);
                    if (d == '\\') {
                        throw new UnsafeStatementException("backslashes in string literals are not allowed (their meaning depends on the server's sql_mode): pass the value as a parameter");
                    }
                    if (d == '\'') {
                        if (end + 1 < n && sql.charAt(end + 1) == '\'') {
                            s.append("''");
                            end += 2;
                            continue;
                        }
                        break;
                    }
                    s.append(d);
                    end++;
                }
                out.add(new Token(Kind.STRING, s.toString()));
                i = end + 1;
            } else if (c == '`') {
                int end = sql.indexOf('`', i + 1);
                if (end < 0) {
                    throw new UnsafeStatementException("unterminated `identifier`");
                }
                if (end + 1 < n && sql.charAt(end + 1) == '`') {
                    throw new UnsafeStatementException("identifiers with a backtick inside are not allowed");
                }
                out.add(new Token(Kind.IDENT, sql.substring(i + 1, end).toLowerCase(Locale.ROOT)));
                i = end + 1;
            } else if (c == '?') {
                out.add(new Token(Kind.PARAM, "?"));
                i++;
            } else if (c >= '0' && c <= '9' || c == '.' && i + 1 < n && Character.isDigit(sql.charAt(i + 1))
                    && (out.isEmpty() || out.get(out.size() - 1).kind() == Kind.SYMBOL)) {
                int end = i;
                while (end < n && (isWordChar(sql.charAt(end)) || sql.charAt(end) == '.'
                        || (sql.charAt(end) == '+' || sql.charAt(end) == '-') && (sql.charAt(end - 1) == 'e' || sql.charAt(end - 1) == 'E'))) {
                    end++;
                }
                out.add(new Token(Kind.NUMBER, sql.substring(i, end).toLowerCase(Locale.ROOT)));
                i = end;
            } else if (isWordChar(c)) {
                int end = i;
                while (end < n && isWordChar(sql.charAt(end))) {
                    end++;
                }
                out.add(new Token(Kind.WORD, sql.substring(i, end).toLowerCase(Locale.ROOT)));
                i = end;
            } else if ("=<>!|&".indexOf(c) >= 0) {
                int end = i;
                while (end < n && "=<>!|&".indexOf(sql.charAt(end)) >= 0) {
                    end++;
                }
                out.add(new Token(Kind.SYMBOL, sql.substring(i, end)));
                i = end;
            } else if ("(),.+-*/%^~:".indexOf(c) >= 0) {
                out.add(new Token(Kind.SYMBOL, String.valueOf(c)));
                i++;
            } else {
                throw new UnsafeStatementException("character '" + (c < 32 || c > 126 ? String.format("\\u%04x", (int) c) : String.valueOf(c))
                        + "' is not allowed outside string literals");
            }
        }
        if (out.isEmpty()) {
            throw new UnsafeStatementException("the statement is empty");
        }
        return out;
    }

    private static boolean isWordChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$';
    }
}
