package io.headroom.sharding.internal.core;

import io.headroom.sharding.api.UnsafeStatementException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.alter.Alter;
import net.sf.jsqlparser.statement.alter.AlterExpression;
import net.sf.jsqlparser.statement.alter.AlterOperation;
import net.sf.jsqlparser.statement.create.table.CreateTable;
import net.sf.jsqlparser.statement.drop.Drop;

/**
 * Checks a schema change before anything runs: exactly one {@code ALTER TABLE} on a sharded table of the shard's own
 * schema, without ALGORITHM or LOCK (Headroom chooses them: INSTANT first, then INPLACE with LOCK=NONE, else a shadow
 * table copy), no RENAME (routing knows tables by name) and no engine change. Gives the statements to try, in order.
 */
public final class DdlCheck {
    private static final Set<AlterOperation> REFUSED = Set.of(AlterOperation.ALGORITHM, AlterOperation.LOCK, AlterOperation.RENAME_TABLE,
            AlterOperation.ENGINE, AlterOperation.FORCE, AlterOperation.DISCARD_TABLESPACE, AlterOperation.IMPORT_TABLESPACE);

    private DdlCheck() {
    }

    /** What a schema change does. */
    public enum Kind { ALTER, CREATE, DROP }

    /** A checked schema change: its kind and the table it changes (lower-case). */
    public record Change(Kind kind, String table) {
    }

    /**
     * Checks a schema change of any kind: one {@code ALTER TABLE} of a sharded table (see {@link #check}), one
     * {@code CREATE TABLE} of a new table that has the tenant column and a primary key (no {@code LIKE}, {@code SELECT},
     * {@code TEMPORARY} or other schema), or one {@code DROP TABLE} of a sharded table (the caller asks for a
     * confirmation). No comments (the server runs some), separators or double quotes in any of them.
     */
    public static Change classify(String ddl, Set<String> shardedTables, String tenantColumn) {
        if (ddl == null || ddl.isBlank()) {
            throw new UnsafeStatementException("the DDL is missing");
        }
        String body = ddl.trim();
        while (body.endsWith(";")) {
            body = body.substring(0, body.length() - 1).trim();
        }
        SqlText.tokens(body); // refuses comments (the server runs /*! */), separators, double quotes
        Statement st = SafePath.parseOne(ddl);
        Set<String> known = Set.copyOf(shardedTables.stream().map(t -> t.toLowerCase(Locale.ROOT)).toList());
        if (st instanceof Alter) {
            return new Change(Kind.ALTER, check(ddl, shardedTables));
        }
        if (st instanceof CreateTable ct) {
            if (ct.getTable().getSchemaName() != null) {
                throw new UnsafeStatementException("name the table without a schema: each shard creates it in its own");
            }
            String table = SafePath.unquote(ct.getTable().getName());
            if (ct.getSelect() != null || ct.getLikeTable() != null) {
                throw new UnsafeStatementException("CREATE TABLE ... SELECT and ... LIKE are not allowed: give the columns");
            }
            if (ct.getCreateOptionsStrings() != null && ct.getCreateOptionsStrings().stream().anyMatch(o -> o.equalsIgnoreCase("TEMPORARY"))) {
                throw new UnsafeStatementException("a sharded table is not TEMPORARY");
            }
            if (table.startsWith("_")) {
                throw new UnsafeStatementException("table names starting with _ are kept for shadow copies");
            }
            if (known.contains(table)) {
                throw new IllegalStateException("table " + table + " is already in the sharded schema");
            }
            if (ct.getColumnDefinitions() == null || ct.getColumnDefinitions().stream()
                    .noneMatch(c -> SafePath.unquote(c.getColumnName()).equals(tenantColumn.toLowerCase(Locale.ROOT)))) {
                throw new UnsafeStatementException("a sharded table must have the tenant column " + tenantColumn);
            }
            boolean primary = ct.getIndexes() != null && ct.getIndexes().stream().anyMatch(i -> i.getType() != null
                    && i.getType().toUpperCase(Locale.ROOT).replaceAll("\\s+", " ").equals("PRIMARY KEY"));
            primary |= ct.getColumnDefinitions().stream().anyMatch(c -> c.getColumnSpecs() != null
                    && String.join(" ", c.getColumnSpecs()).toUpperCase(Locale.ROOT).contains("PRIMARY KEY"));
            if (!primary) {
                throw new UnsafeStatementException("a sharded table needs a primary key (moves and shadow copies copy by it)");
            }
            return new Change(Kind.CREATE, table);
        }
        if (st instanceof Drop drop) {
            if (!"TABLE".equalsIgnoreCase(drop.getType())) {
                throw new UnsafeStatementException("only DROP TABLE is a schema change, not DROP " + drop.getType());
            }
            if (drop.getName().getSchemaName() != null) {
                throw new UnsafeStatementException("name the table without a schema");
            }
            String table = SafePath.unquote(drop.getName().getName());
            if (!known.contains(table)) {
                throw new UnsafeStatementException("table " + table + " is not a sharded table (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
            }
            return new Change(Kind.DROP, table);
        }
        throw new UnsafeStatementException("a schema change is one ALTER TABLE, CREATE TABLE or DROP TABLE statement, not "
                + st.getClass().getSimpleName().toUpperCase(Locale.ROOT));
    }

    /**
     * The sharded tables that follow from the configured ones and the recorded changes in version order: a CREATE
     * adds its table once DONE (every shard has it), a DROP removes its table as soon as it is recorded (unless
     * cancelled), so no statement reaches a table being dropped.
     */
    public static Set<String> shardedTables(java.util.Collection<String> configured, List<String[]> ddlAndStateByVersion) {
        Set<String> out = new java.util.TreeSet<>();
        for (String t : configured) {
            out.add(t.toLowerCase(Locale.ROOT));
        }
        for (String[] change : ddlAndStateByVersion) {
            Change c;
            try {
                c = of(change[0]);
            } catch (RuntimeException e) {
                continue;
            }
            if (c.kind() == Kind.CREATE && "DONE".equals(change[1])) {
                out.add(c.table());
            } else if (c.kind() == Kind.DROP && !"CANCELLED".equals(change[1])) {
                out.remove(c.table());
            }
        }
        return out;
    }

    /** The kind and table of a change that was checked when it was recorded (the table may have left the schema since). */
    public static Change of(String ddl) {
        Statement st = SafePath.parseOne(ddl);
        if (st instanceof Alter a) {
            return new Change(Kind.ALTER, SafePath.unquote(a.getTable().getName()));
        }
        if (st instanceof CreateTable ct) {
            return new Change(Kind.CREATE, SafePath.unquote(ct.getTable().getName()));
        }
        if (st instanceof Drop d) {
            return new Change(Kind.DROP, SafePath.unquote(d.getName().getName()));
        }
        throw new UnsafeStatementException("not a schema change: " + ddl);
    }

    /** The table the change alters, or UnsafeStatementException saying what is wrong. */
    public static String check(String ddl, Set<String> shardedTables) {
        if (ddl == null || ddl.isBlank()) {
            throw new UnsafeStatementException("the DDL is missing");
        }
        // the check sees what the server runs: no comments (the server runs /*! */ that a parser skips)
        SqlText.tokens(ddl.trim().replaceAll(";+$", "").trim());
        Statement st = SafePath.parseOne(ddl);
        if (!(st instanceof Alter alter)) {
            throw new UnsafeStatementException("a schema change is one ALTER TABLE statement, not " + st.getClass().getSimpleName().toUpperCase(Locale.ROOT));
        }
        if (alter.getTable().getSchemaName() != null) {
            throw new UnsafeStatementException("name the table without a schema: each shard alters its own");
        }
        String table = SafePath.unquote(alter.getTable().getName());
        Set<String> known = Set.copyOf(shardedTables.stream().map(t -> t.toLowerCase(Locale.ROOT)).toList());
        if (!known.contains(table)) {
            throw new UnsafeStatementException("table " + table + " is not a sharded table (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
        }
        if (alter.getAlterExpressions() == null || alter.getAlterExpressions().isEmpty()) {
            throw new UnsafeStatementException("the ALTER TABLE changes nothing");
        }
        for (AlterExpression e : alter.getAlterExpressions()) {
            if (REFUSED.contains(e.getOperation())) {
                throw new UnsafeStatementException(e.getOperation() + " is not allowed in a schema change (Headroom chooses ALGORITHM and LOCK; tables keep their names and engine)");
            }
        }
        return table;
    }

    /** The same change on another table (a shadow copy's {@code _<table>_gho}); the DDL was checked before. */
    public static String retarget(String ddl, String table) {
        Statement st = SafePath.parseOne(ddl);
        if (!(st instanceof Alter alter)) {
            throw new UnsafeStatementException("not an ALTER TABLE: " + ddl);
        }
        alter.setTable(new net.sf.jsqlparser.schema.Table("`" + table.replace("`", "``") + "`"));
        return alter.toString();
    }

    /** The native online forms to try, cheapest first (a CREATE or DROP runs as it is). */
    public static List<String> attempts(String ddl) {
        String base = ddl.trim();
        while (base.endsWith(";")) {
            base = base.substring(0, base.length() - 1).trim();
        }
        if (of(base).kind() != Kind.ALTER) {
            return List.of(base);
        }
        return List.of(base + ", ALGORITHM=INSTANT", base + ", ALGORITHM=INPLACE, LOCK=NONE");
    }
}
