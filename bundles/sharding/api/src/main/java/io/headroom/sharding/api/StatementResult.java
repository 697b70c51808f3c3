package io.headroom.sharding.api;

import java.util.List;

/**
 * What one statement of {@link TenantShard#execute} gave: for a SELECT its columns (label and the server's type name,
 * e.g. {@code BIGINT UNSIGNED}, {@code DECIMAL}, {@code DATETIME}) and rows, for other statements the affected row
 * count and the generated key of an INSERT (or null). Values are JSON-ready: {@link Long} for integers within
 * &plusmn;2^53, {@link String} for DECIMAL, larger integers, date/time (ISO-8601), text, ENUM/SET and JSON,
 * base64 {@link String} for binary columns and BIT(n&gt;1), {@link Double} for FLOAT/DOUBLE, {@link Boolean} for
 * BIT(1) and TINYINT(1), null for NULL.
 */
public record StatementResult(List<Column> columns, List<List<Object>> rows, long rowsAffected, Object lastInsertId) {
    public StatementResult {
        columns = columns == null ? null : List.copyOf(columns);
        rows = rows == null ? null : java.util.Collections.unmodifiableList(rows);
    }

    /** A result column: its label and the server's type name. */
    public record Column(String name, String type) {
    }
}
