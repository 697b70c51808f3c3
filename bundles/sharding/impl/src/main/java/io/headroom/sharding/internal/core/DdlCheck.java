package io.headroom.sharding.internal.core;

import io.headroom.sharding.api.UnsafeStatementException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.alter.Alter;
import net.sf.jsqlparser.statement.alter.AlterExpression;
import net.sf.jsqlparser.statement.alter.AlterOperation;

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

    /** The table the change alters, or UnsafeStatementException saying what is wrong. */
    public static String check(String ddl, Set<String> shardedTables) {
        if (ddl == null || ddl.isBlank()) {
            throw new UnsafeStatementException("the DDL is missing");
        }
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

    /** The native online forms to try, cheapest first. */
    public static List<String> attempts(String ddl) {
        String base = ddl.trim();
        while (base.endsWith(";")) {
            base = base.substring(0, base.length() - 1).trim();
        }
        return List.of(base + ", ALGORITHM=INSTANT", base + ", ALGORITHM=INPLACE, LOCK=NONE");
    }
}
