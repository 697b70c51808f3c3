package io.headroom.sharding.internal.core;

import io.headroom.sharding.api.UnsafeStatementException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.ExpressionVisitorAdapter;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.expression.StringValue;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.relational.EqualsTo;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.Statements;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.statement.select.Values;
import net.sf.jsqlparser.statement.update.Update;
import net.sf.jsqlparser.statement.update.UpdateSet;
import net.sf.jsqlparser.statement.upsert.Upsert;
import net.sf.jsqlparser.statement.upsert.UpsertType;

/**
 * The tenant safe path: decides from the parsed statement (never from its text) whether a statement run through a
 * tenant's handle can only see and change that tenant's rows. The analysis depends on the SQL only, so it is cached
 * per SQL string; what depends on the tenant (which parameters and literals must equal its id) is checked per call
 * by {@link Checked#verify}.
 *
 * <p>Rules: one SELECT (no UNION, WITH or subquery), INSERT ... VALUES/SET, single-table UPDATE or DELETE; only
 * sharded tables of the current schema; every table referenced is constrained by a top-level AND conjunct
 * {@code <table>.tenant_column = ?|'literal'} (for a joined table its ON clause counts too); every inserted row carries
 * the tenant column; no statement assigns the tenant column in an UPDATE or ON DUPLICATE KEY UPDATE.
 */
public final class SafePath {
    /** What a checked statement requires: the 1-based parameters and the literals that must equal the tenant id. */
    public record Checked(boolean query, List<Integer> tenantParams, List<String> tenantLiterals, String sql, int paramCount) {
        Checked(boolean query, List<Integer> tenantParams, List<String> tenantLiterals) {
            this(query, tenantParams, tenantLiterals, null, 0);
        }

        /** Throws unless exactly as many parameters as the statement's placeholders are given. */
        public void verifyCount(Object[] params) {
            int given = params == null ? 0 : params.length;
            if (given != paramCount) {
                throw new UnsafeStatementException("the statement has " + paramCount + " parameter placeholder(s) but " + given + " parameter(s) were given");
            }
        }

        public Checked {
            tenantParams = List.copyOf(tenantParams);
            tenantLiterals = List.copyOf(tenantLiterals);
        }

        /** Throws unless every tenant slot holds this tenant's id. */
        public void verify(String tenant, Object[] params) {
            for (String literal : tenantLiterals) {
                if (!literal.equals(tenant)) {
                    throw new UnsafeStatementException("the statement names tenant '" + literal + "', not this handle's tenant");
                }
            }
            for (int index : tenantParams) {
                if (params == null || index > params.length) {
                    throw new UnsafeStatementException("parameter " + index + " (the tenant id) is not bound");
                }
                Object v = params[index - 1];
                String value = v == null ? null : v.toString();
                if (!tenant.equals(value)) {
                    throw new UnsafeStatementException("parameter " + index + " binds the tenant column to '" + value
                            + "', not this handle's tenant");
                }
            }
        }
    }

    private final Set<String> shardedTables;
    private final Set<String> upsertSafe;
    private final String tenantColumn;

    /** @param shardedTables lower-case names of the tables sharded by {@code tenantColumn} */
    public SafePath(Set<String> shardedTables, String tenantColumn) {
        this(shardedTables, Set.of(), tenantColumn);
    }

    /**
     * @param shardedTables lower-case names of the tables sharded by {@code tenantColumn}
     * @param upsertSafe the sharded tables whose every unique key includes the tenant column: only these take
     *     {@code ON DUPLICATE KEY UPDATE} and {@code REPLACE} (elsewhere a duplicate key could be another tenant's row)
     */
    public SafePath(Set<String> shardedTables, Set<String> upsertSafe, String tenantColumn) {
        this.shardedTables = Set.copyOf(shardedTables.stream().map(t -> t.toLowerCase(Locale.ROOT)).toList());
        this.upsertSafe = Set.copyOf(upsertSafe.stream().map(t -> t.toLowerCase(Locale.ROOT)).toList());
        this.tenantColumn = tenantColumn.toLowerCase(Locale.ROOT);
    }

    public Set<String> shardedTables() {
        return shardedTables;
    }

    public Set<String> upsertSafe() {
        return upsertSafe;
    }

    /**
     * Checks a statement; the answer's {@link Checked#sql()} is the statement rendered from the checked tree, which is
     * what runs (its tokens equal the caller's text: nothing the parser skipped reaches the server).
     */
    public Checked check(String sql) {
        List<SqlText.Token> tokens = SqlText.check(sql);
        Statement st = parseOne(sql);
        String rendered = st.toString();
        if (!SqlText.sameTokens(tokens, rendered)) {
            throw new UnsafeStatementException("the statement uses syntax the safe path does not read exactly as the server would; rewrite it plainly");
        }
        Checked c = checkTree(st, rendered);
        int placeholders = (int) tokens.stream().filter(t -> t.kind() == SqlText.Kind.PARAM).count();
        return new Checked(c.query(), c.tenantParams(), c.tenantLiterals(), rendered, placeholders);
    }

    private Checked checkTree(Statement st, String rendered) {
        if (st instanceof PlainSelect s) {
            return select(s);
        }
        if (st instanceof Upsert u) {
            if (u.getUpsertType() != UpsertType.REPLACE && u.getUpsertType() != UpsertType.REPLACE_SET
                    || !rendered.regionMatches(true, 0, "REPLACE ", 0, 8)) {
                throw new UnsafeStatementException("only REPLACE INTO ... VALUES/SET of this kind of statement runs through a tenant handle");
            }
            upsertable(u.getTable(), "REPLACE");
            Statement asInsert = parseOne("INSERT " + rendered.substring(8));
            if (!(asInsert instanceof Insert i)) {
                throw new UnsafeStatementException("REPLACE must have the shape of an INSERT");
            }
            return insert(i);
        }
        if (st instanceof Select) {
            throw new UnsafeStatementException("only a plain SELECT runs through a tenant handle (no UNION, WITH or parenthesised select)");
        }
        if (st instanceof Insert i) {
            return insert(i);
        }
        if (st instanceof Update u) {
            return update(u);
        }
        if (st instanceof Delete d) {
            return delete(d);
        }
        throw new UnsafeStatementException("only SELECT, INSERT, UPDATE and DELETE run through a tenant handle, not "
                + st.getClass().getSimpleName().toUpperCase(Locale.ROOT));
    }

    private Checked select(PlainSelect s) {
        if (s.getWithItemsList() != null && !s.getWithItemsList().isEmpty()) {
            throw new UnsafeStatementException("WITH is not supported through a tenant handle");
        }
        if (s.getIntoTables() != null && !s.getIntoTables().isEmpty()) {
            throw new UnsafeStatementException("SELECT ... INTO is not allowed");
        }
        List<Ref> refs = new ArrayList<>();
        refs.add(new Ref(table(s.getFromItem()), List.of()));
        if (s.getJoins() != null) {
            for (Join j : s.getJoins()) {
                if (j.getUsingColumns() != null && !j.getUsingColumns().isEmpty() || j.isNatural()) {
                    throw new UnsafeStatementException("JOIN ... USING and NATURAL JOIN are not supported; use ON with the tenant column");
                }
                List<Expression> on = new ArrayList<>();
                if (j.getOnExpressions() != null) {
                    for (Expression e : j.getOnExpressions()) {
                        noSubquery(e);
                        conjuncts(e, on);
                    }
                }
                refs.add(new Ref(table(j.getFromItem()), on));
            }
        }
        for (SelectItem<?> item : s.getSelectItems()) {
            noSubquery(item.getExpression());
        }
        noSubquery(s.getWhere());
        noSubquery(s.getHaving());
        if (s.getGroupBy() != null && s.getGroupBy().getGroupByExpressionList() != null) {
            for (Object e : s.getGroupBy().getGroupByExpressionList()) {
                noSubquery((Expression) e);
            }
        }
        if (s.getOrderByElements() != null) {
            for (OrderByElement o : s.getOrderByElements()) {
                noSubquery(o.getExpression());
            }
        }
        Checked c = constrain(refs, s.getWhere());
        return new Checked(true, c.tenantParams(), c.tenantLiterals());
    }

    private Checked update(Update u) {
        if (u.getWithItemsList() != null && !u.getWithItemsList().isEmpty()
                || u.getJoins() != null && !u.getJoins().isEmpty() || u.getStartJoins() != null && !u.getStartJoins().isEmpty()
                || u.getFromItem() != null) {
            throw new UnsafeStatementException("only single-table UPDATE runs through a tenant handle");
        }
        Table t = u.getTable();
        for (UpdateSet set : u.getUpdateSets()) {
            assignsNotTenant(set);
        }
        noSubquery(u.getWhere());
        return constrain(List.of(new Ref(sharded(t), List.of())), u.getWhere());
    }

    private Checked delete(Delete d) {
        if (d.getWithItemsList() != null && !d.getWithItemsList().isEmpty() || d.getJoins() != null && !d.getJoins().isEmpty()
                || d.getUsingList() != null && !d.getUsingList().isEmpty() || d.getTables() != null && d.getTables().size() > 1) {
            throw new UnsafeStatementException("only single-table DELETE runs through a tenant handle");
        }
        Table t = d.getTable();
        if (d.getTables() != null && d.getTables().size() == 1) {
            t = d.getTables().get(0);
        }
        noSubquery(d.getWhere());
        return constrain(List.of(new Ref(sharded(t), List.of())), d.getWhere());
    }

    private void upsertable(Table t, String what) {
        sharded(t);
        if (!upsertSafe.contains(unquote(t.getName()))) {
            throw new UnsafeStatementException(what + " is allowed only on tables whose every unique key includes the tenant column "
                    + tenantColumn + " (" + unquote(t.getName()) + " has one without it: a duplicate could be another tenant's row)");
        }
    }

    private Checked insert(Insert i) {
        sharded(i.getTable());
        List<Integer> params = new ArrayList<>();
        List<String> literals = new ArrayList<>();
        if (i.getDuplicateUpdateSets() != null && !i.getDuplicateUpdateSets().isEmpty()) {
            upsertable(i.getTable(), "ON DUPLICATE KEY UPDATE");
            for (UpdateSet set : i.getDuplicateUpdateSets()) {
                assignsNotTenant(set);
            }
        }
        if (i.getSetUpdateSets() != null && !i.getSetUpdateSets().isEmpty() && i.getSelect() == null) {
            boolean found = false;
            for (UpdateSet set : i.getSetUpdateSets()) {
                for (int k = 0; k < set.getColumns().size(); k++) {
                    noSubquery(set.getValues().get(k));
                    if (isTenantColumn(set.getColumns().get(k))) {
                        tenantValue(set.getValues().get(k), params, literals);
                        found = true;
                    }
                }
            }
            if (!found) {
                throw new UnsafeStatementException("INSERT must set the tenant column " + tenantColumn);
            }
            return new Checked(false, params, literals);
        }
        if (!(i.getSelect() instanceof Values values)) {
            throw new UnsafeStatementException("INSERT ... SELECT is not supported through a tenant handle; use INSERT ... VALUES");
        }
        ExpressionList<Column> columns = i.getColumns();
        int at = -1;
        if (columns != null) {
            for (int k = 0; k < columns.size(); k++) {
                if (isTenantColumn(columns.get(k))) {
                    at = k;
                }
            }
        }
        if (at < 0) {
            throw new UnsafeStatementException("INSERT must name its columns, including the tenant column " + tenantColumn);
        }
        ExpressionList<?> rows = values.getExpressions();
        boolean multiRow = !rows.isEmpty() && rows.get(0) instanceof ExpressionList<?>;
        if (multiRow) {
            for (Object row : rows) {
                ExpressionList<?> r = (ExpressionList<?>) row;
                rowValue(r, at, columns.size(), params, literals);
            }
        } else {
            rowValue(rows, at, columns.size(), params, literals);
        }
        return new Checked(false, params, literals);
    }

    private void rowValue(ExpressionList<?> row, int at, int width, List<Integer> params, List<String> literals) {
        if (row.size() != width) {
            throw new UnsafeStatementException("an inserted row has " + row.size() + " values for " + width + " columns");
        }
        for (Object e : row) {
            noSubquery((Expression) e);
        }
        tenantValue((Expression) row.get(at), params, literals);
    }

    private void tenantValue(Expression e, List<Integer> params, List<String> literals) {
        if (e instanceof JdbcParameter p && p.getIndex() != null && !p.isUseFixedIndex()) {
            params.add(p.getIndex());
        } else if (e instanceof StringValue v) {
            literals.add(v.getValue());
        } else {
            throw new UnsafeStatementException("the tenant column must be given as ? or a string literal, not " + e);
        }
    }

    private void assignsNotTenant(UpdateSet set) {
        for (Column c : set.getColumns()) {
            if (isTenantColumn(c)) {
                throw new UnsafeStatementException("a statement may not assign the tenant column " + tenantColumn);
            }
        }
        for (Object v : set.getValues()) {
            noSubquery((Expression) v);
        }
    }

    private record Ref(Table table, List<Expression> on) {
    }

    private Checked constrain(List<Ref> refs, Expression where) {
        List<Expression> whereConjuncts = new ArrayList<>();
        conjuncts(where, whereConjuncts);
        List<Integer> params = new ArrayList<>();
        List<String> literals = new ArrayList<>();
        boolean single = refs.size() == 1;
        for (Ref ref : refs) {
            List<Expression> candidates = new ArrayList<>(whereConjuncts);
            candidates.addAll(ref.on());
            boolean constrained = false;
            for (Expression c : candidates) {
                if (c instanceof EqualsTo eq) {
                    Expression value = null;
                    if (eq.getLeftExpression() instanceof Column col && refersTo(col, ref.table(), single)) {
                        value = eq.getRightExpression();
                    } else if (eq.getRightExpression() instanceof Column col && refersTo(col, ref.table(), single)) {
                        value = eq.getLeftExpression();
                    }
                    if (value instanceof JdbcParameter || value instanceof StringValue) {
                        tenantValue(value, params, literals);
                        constrained = true;
                    }
                }
            }
            if (!constrained) {
                throw new UnsafeStatementException("table " + ref.table().getName() + " is not constrained to the tenant: add "
                        + (single ? "" : name(ref.table()) + ".") + tenantColumn + " = ? as a top-level AND condition");
            }
        }
        return new Checked(false, params, literals);
    }

    private boolean refersTo(Column col, Table table, boolean single) {
        if (!isTenantColumn(col)) {
            return false;
        }
        Table qualifier = col.getTable();
        if (qualifier == null || qualifier.getName() == null) {
            return single;
        }
        return unquote(qualifier.getName()).equals(name(table));
    }

    /** The name a table is referred to by in the statement: its alias, or its own name. */
    private static String name(Table t) {
        return t.getAlias() != null ? unquote(t.getAlias().getName()) : unquote(t.getName());
    }

    private boolean isTenantColumn(Column c) {
        return unquote(c.getColumnName()).equals(tenantColumn);
    }

    private static void conjuncts(Expression e, List<Expression> out) {
        if (e == null) {
            return;
        }
        if (e instanceof AndExpression and) {
            conjuncts(and.getLeftExpression(), out);
            conjuncts(and.getRightExpression(), out);
        } else if (e instanceof ParenthesedExpressionList<?> p && p.size() == 1) {
            conjuncts((Expression) p.get(0), out);
        } else {
            out.add(e);
        }
    }

    private Table table(FromItem item) {
        if (!(item instanceof Table t)) {
            throw new UnsafeStatementException("only tables may appear in FROM and JOIN through a tenant handle (no subqueries)");
        }
        return sharded(t);
    }

    private Table sharded(Table t) {
        if (t == null) {
            throw new UnsafeStatementException("the statement names no table");
        }
        if (t.getSchemaName() != null) {
            throw new UnsafeStatementException("tables of other schemas are not reachable through a tenant handle: " + t);
        }
        String n = unquote(t.getName());
        if (!shardedTables.contains(n)) {
            throw new UnsafeStatementException("table " + n + " is not a sharded table (known: " + String.join(", ", shardedTables.stream().sorted().toList()) + ")");
        }
        return t;
    }

    private static void noSubquery(Expression e) {
        if (e == null) {
            return;
        }
        e.accept(new ExpressionVisitorAdapter<Void>() {
            @Override
            public <S> Void visit(ParenthesedSelect select, S context) {
                throw new UnsafeStatementException("subqueries are not supported through a tenant handle");
            }

            @Override
            public <S> Void visit(Select select, S context) {
                throw new UnsafeStatementException("subqueries are not supported through a tenant handle");
            }
        }, null);
    }

    /** Exactly one statement, parsed; anything else (two statements, bad syntax) is refused. */
    static Statement parseOne(String sql) {
        Statements all;
        try {
            all = CCJSqlParserUtil.parseStatements(sql);
        } catch (JSQLParserException | RuntimeException e) {
            throw new UnsafeStatementException("cannot parse the statement (one statement, MySQL syntax): " + firstLine(e));
        }
        if (all == null || all.size() != 1) {
            throw new UnsafeStatementException("send exactly one statement, not " + (all == null ? 0 : all.size()));
        }
        return all.get(0);
    }

    static String unquote(String identifier) {
        String s = identifier;
        if (s.length() >= 2 && (s.startsWith("`") && s.endsWith("`") || s.startsWith("\"") && s.endsWith("\""))) {
            s = s.substring(1, s.length() - 1);
        }
        return s.toLowerCase(Locale.ROOT);
    }

    static String firstLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e.getCause() != null && e.getCause().getMessage() != null) {
            m = e.getCause().getMessage();
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
