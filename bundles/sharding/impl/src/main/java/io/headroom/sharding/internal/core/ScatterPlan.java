package io.headroom.sharding.internal.core;

import io.headroom.sharding.api.QueryResult;
import io.headroom.sharding.api.UnsafeStatementException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.Limit;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * How a SELECT sent to every shard is merged back into the answer one database holding all rows would give:
 * the per-shard SQL (LIMIT widened to offset+count, dropped under grouping), then concatenation, GROUP BY with
 * COUNT/SUM/MIN/MAX combined, DISTINCT, ORDER BY and LIMIT/OFFSET. Pure: built from the SQL, applied to rows.
 */
public final class ScatterPlan {
    enum Agg { NONE, COUNT, SUM, MIN, MAX }

    private record Order(int column, boolean asc) {
    }

    private final String shardSql;
    private final Agg[] aggs;
    private final boolean grouped;
    private final boolean distinct;
    private final List<Order> order;
    private final long limit;
    private final long offset;

    private ScatterPlan(String shardSql, Agg[] aggs, boolean grouped, boolean distinct, List<Order> order, long limit, long offset) {
        this.shardSql = shardSql;
        this.aggs = aggs;
        this.grouped = grouped;
        this.distinct = distinct;
        this.order = order;
        this.limit = limit;
        this.offset = offset;
    }

    /**
     * The plan for a scatter query over {@code shardedTables} (lower-case). The same lexical rules as the tenant safe
     * path apply (no comments, variables, locking or file functions, system schemas; the parser must read every token),
     * and every table the statement names, in subqueries too, must be a sharded table of the current schema.
     */
    public static ScatterPlan of(String sql, Set<String> shardedTables) {
        List<SqlText.Token> tokens = SqlText.check(sql);
        Statement st = SafePath.parseOne(sql);
        if (!SqlText.sameTokens(tokens, st.toString())) {
            throw new UnsafeStatementException("the statement uses syntax the safe path does not read exactly as the server would; rewrite it plainly");
        }
        if (!(st instanceof PlainSelect s)) {
            throw new UnsafeStatementException("scatter runs one plain SELECT (no UNION, WITH or DML)");
        }
        Set<String> names;
        try {
            names = new TablesNamesFinder<>().getTables(st);
        } catch (RuntimeException e) {
            throw new UnsafeStatementException("cannot tell which tables the statement reads: " + e.getMessage());
        }
        if (names.isEmpty()) {
            throw new UnsafeStatementException("scatter reads sharded tables: the statement names none");
        }
        for (String name : names) {
            String n = SafePath.unquote(name);
            if (n.contains(".") || !shardedTables.contains(n)) {
                throw new UnsafeStatementException("scatter reads only sharded tables, not " + name);
            }
        }
        if (s.getHaving() != null) {
            throw new UnsafeStatementException("HAVING cannot be merged across shards; filter the merged rows instead");
        }
        if (s.getIntoTables() != null && !s.getIntoTables().isEmpty() || s.getForUpdateTable() != null || s.getForMode() != null) {
            throw new UnsafeStatementException("scatter is read-only: no INTO or FOR UPDATE");
        }
        List<SelectItem<?>> items = s.getSelectItems();
        Agg[] aggs = new Agg[items.size()];
        boolean anyAgg = false;
        for (int i = 0; i < items.size(); i++) {
            aggs[i] = aggregate(items.get(i).getExpression());
            anyAgg |= aggs[i] != Agg.NONE;
        }
        List<String> groupBy = new ArrayList<>();
        if (s.getGroupBy() != null && s.getGroupBy().getGroupByExpressionList() != null) {
            for (Object e : s.getGroupBy().getGroupByExpressionList()) {
                groupBy.add(e.toString().toLowerCase(Locale.ROOT));
            }
        }
        boolean grouped = anyAgg || !groupBy.isEmpty();
        if (grouped) {
            for (int i = 0; i < items.size(); i++) {
                Expression e = items.get(i).getExpression();
                if (aggs[i] == Agg.NONE && (e instanceof AllColumns || !groupBy.contains(e.toString().toLowerCase(Locale.ROOT))
                        && !(items.get(i).getAlias() != null && groupBy.contains(items.get(i).getAlias().getName().toLowerCase(Locale.ROOT))))) {
                    throw new UnsafeStatementException("with aggregates every other selected column must be in GROUP BY: " + e);
                }
            }
        }
        List<Order> order = new ArrayList<>();
        if (s.getOrderByElements() != null) {
            for (OrderByElement o : s.getOrderByElements()) {
                if (o.getNullOrdering() != null) {
                    throw new UnsafeStatementException("NULLS FIRST/LAST is not supported in scatter queries");
                }
                order.add(new Order(orderColumn(o.getExpression(), items), o.isAsc()));
            }
        }
        long limit = -1;
        long offset = 0;
        Limit l = s.getLimit();
        if (l != null) {
            if (l.getRowCount() != null) {
                limit = literal(l.getRowCount(), "LIMIT");
            }
            if (l.getOffset() != null) {
                offset = literal(l.getOffset(), "OFFSET");
            }
        }
        if (s.getOffset() != null) {
            offset = literal(s.getOffset().getOffset(), "OFFSET");
            s.setOffset(null);
        }
        if (grouped) {
            s.setLimit(null); // every shard must return all its groups
        } else if (limit >= 0) {
            s.setLimit(new Limit().withRowCount(new LongValue(limit + offset)));
        } else if (offset > 0) {
            s.setLimit(null);
        }
        return new ScatterPlan(s.toString(), aggs, grouped, s.getDistinct() != null, order, limit, offset);
    }

    private static long literal(Expression e, String what) {
        if (e instanceof LongValue v) {
            return v.getValue();
        }
        throw new UnsafeStatementException(what + " must be a number in scatter queries, not " + e);
    }

    private static Agg aggregate(Expression e) {
        if (!(e instanceof Function f)) {
            return Agg.NONE;
        }
        String name = f.getName().toLowerCase(Locale.ROOT);
        Agg a = switch (name) {
            case "count" -> Agg.COUNT;
            case "sum" -> Agg.SUM;
            case "min" -> Agg.MIN;
            case "max" -> Agg.MAX;
            case "avg", "group_concat", "std", "stddev", "variance", "json_arrayagg", "json_objectagg", "bit_and", "bit_or", "bit_xor" ->
                throw new UnsafeStatementException(name.toUpperCase(Locale.ROOT)
                        + " cannot be merged across shards; select SUM and COUNT (or the rows) instead");
            default -> Agg.NONE;
        };
        if (a != Agg.NONE && f.isDistinct()) {
            throw new UnsafeStatementException(name.toUpperCase(Locale.ROOT) + "(DISTINCT ...) cannot be merged across shards");
        }
        return a;
    }

    private static int orderColumn(Expression e, List<SelectItem<?>> items) {
        if (e instanceof LongValue v) {
            int pos = (int) v.getValue();
            if (pos < 1 || pos > items.size()) {
                throw new UnsafeStatementException("ORDER BY position " + pos + " is not a selected column");
            }
            return pos - 1;
        }
        String text = e.toString().toLowerCase(Locale.ROOT);
        for (int i = 0; i < items.size(); i++) {
            SelectItem<?> it = items.get(i);
            if (it.getAlias() != null && e instanceof Column c && c.getTable() == null
                    && SafePath.unquote(it.getAlias().getName()).equals(SafePath.unquote(c.getColumnName()))) {
                return i;
            }
        }
        for (int i = 0; i < items.size(); i++) {
            Expression ie = items.get(i).getExpression();
            if (ie.toString().toLowerCase(Locale.ROOT).equals(text)) {
                return i;
            }
            // ORDER BY name matches a selected t.name
            if (e instanceof Column c && ie instanceof Column ic && c.getTable() == null
                    && SafePath.unquote(ic.getColumnName()).equals(SafePath.unquote(c.getColumnName()))) {
                return i;
            }
        }
        throw new UnsafeStatementException("ORDER BY " + e + " must name a selected column (by name, alias or position) to merge shards");
    }

    /** The SQL each shard runs. */
    public String shardSql() {
        return shardSql;
    }

    /**
     * The shard SQL restricted to rows whose tenant the shard owns, for when moves leave copies of a tenant on two
     * shards (before cut-over on the target, during the grace period on the source). {@code ownership} builds the
     * condition for the FROM table's qualifier; queries whose FROM is not a table are returned unchanged.
     */
    public String shardSql(java.util.function.Function<String, String> ownership) {
        PlainSelect s = (PlainSelect) SafePath.parseOne(shardSql);
        if (!(s.getFromItem() instanceof net.sf.jsqlparser.schema.Table t)) {
            return shardSql;
        }
        String qualifier = t.getAlias() != null ? t.getAlias().getName() : t.getName();
        Expression own;
        try {
            own = net.sf.jsqlparser.parser.CCJSqlParserUtil.parseCondExpression(ownership.apply(qualifier));
        } catch (net.sf.jsqlparser.JSQLParserException e) {
            throw new IllegalStateException("ownership condition does not parse", e);
        }
        Expression wrapped = new net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList<>(own);
        s.setWhere(s.getWhere() == null ? wrapped
                : new net.sf.jsqlparser.expression.operators.conditional.AndExpression(
                        new net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList<>(s.getWhere()), wrapped));
        return s.toString();
    }

    /** Merges the shards' results (same columns, in any order of shards) into the answer. */
    public QueryResult merge(List<QueryResult> parts) {
        List<String> columns = parts.isEmpty() ? List.of() : parts.get(0).columns();
        List<List<Object>> rows = new ArrayList<>();
        for (QueryResult p : parts) {
            rows.addAll(p.rows());
        }
        if (grouped) {
            rows = group(rows);
        }
        if (distinct) {
            rows = new ArrayList<>(new LinkedHashSet<>(rows.stream().map(Key::new).toList()).stream().map(Key::row).toList());
        }
        if (!order.isEmpty()) {
            Comparator<List<Object>> cmp = null;
            for (Order o : order) {
                Comparator<List<Object>> c = (a, b) -> compare(a.get(o.column()), b.get(o.column()));
                if (!o.asc()) {
                    c = c.reversed();
                }
                cmp = cmp == null ? c : cmp.thenComparing(c);
            }
            rows.sort(cmp);
        }
        int from = (int) Math.min(offset, rows.size());
        int to = limit < 0 ? rows.size() : (int) Math.min(rows.size(), offset + limit);
        return new QueryResult(columns, rows.subList(from, to));
    }

    /** A row compared by value (arrays by content), for DISTINCT and grouping. */
    private record Key(List<Object> row) {
        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Key k) || k.row.size() != row.size()) {
                return false;
            }
            for (int i = 0; i < row.size(); i++) {
                if (compare(row.get(i), k.row.get(i)) != 0) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            int h = 1;
            for (Object v : row) {
                h = 31 * h + (v instanceof byte[] b ? Arrays.hashCode(b) : v instanceof Number n ? normal(n).hashCode() : v == null ? 0 : v.hashCode());
            }
            return h;
        }
    }

    private List<List<Object>> group(List<List<Object>> rows) {
        Map<Key, Object[]> groups = new LinkedHashMap<>();
        for (List<Object> row : rows) {
            List<Object> key = new ArrayList<>();
            for (int i = 0; i < aggs.length; i++) {
                if (aggs[i] == Agg.NONE) {
                    key.add(row.get(i));
                }
            }
            Object[] acc = groups.get(new Key(key));
            if (acc == null) {
                groups.put(new Key(key), row.toArray());
                continue;
            }
            for (int i = 0; i < aggs.length; i++) {
                acc[i] = combine(aggs[i], acc[i], row.get(i));
            }
        }
        List<List<Object>> out = new ArrayList<>();
        for (Object[] acc : groups.values()) {
            out.add(Arrays.asList(acc));
        }
        return out;
    }

    static Object combine(Agg agg, Object a, Object b) {
        if (agg == Agg.NONE) {
            return a;
        }
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return switch (agg) {
            case COUNT, SUM -> add((Number) a, (Number) b);
            case MIN -> compare(a, b) <= 0 ? a : b;
            case MAX -> compare(a, b) >= 0 ? a : b;
            default -> a;
        };
    }

    private static Number add(Number a, Number b) {
        if (a instanceof Double || a instanceof Float || b instanceof Double || b instanceof Float) {
            return a.doubleValue() + b.doubleValue();
        }
        if (a instanceof BigDecimal || b instanceof BigDecimal || a instanceof BigInteger || b instanceof BigInteger) {
            return normal(a).add(normal(b));
        }
        return Math.addExact(a.longValue(), b.longValue());
    }

    private static BigDecimal normal(Number n) {
        if (n instanceof BigDecimal d) {
            return d.stripTrailingZeros();
        }
        if (n instanceof BigInteger i) {
            return new BigDecimal(i);
        }
        if (n instanceof Double || n instanceof Float) {
            return BigDecimal.valueOf(n.doubleValue()).stripTrailingZeros();
        }
        return BigDecimal.valueOf(n.longValue());
    }

    /** MySQL's order for ASC: NULL first; numbers by value whatever their Java type; strings by code point. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static int compare(Object a, Object b) {
        if (a == b) {
            return 0;
        }
        if (a == null) {
            return -1;
        }
        if (b == null) {
            return 1;
        }
        if (a instanceof Number x && b instanceof Number y) {
            return normal(x).compareTo(normal(y));
        }
        if (a instanceof byte[] x && b instanceof byte[] y) {
            return Arrays.compareUnsigned(x, y);
        }
        if (a instanceof Comparable c && a.getClass() == b.getClass()) {
            return c.compareTo(b);
        }
        return a.toString().compareTo(b.toString());
    }
}
