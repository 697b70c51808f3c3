package io.headroom.sharding.api;

import java.util.List;

/** Rows of a query: column labels in select order and each row's values (JDBC objects, nulls kept). */
public record QueryResult(List<String> columns, List<List<Object>> rows) {
    public QueryResult {
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
    }

    public int size() {
        return rows.size();
    }
}
