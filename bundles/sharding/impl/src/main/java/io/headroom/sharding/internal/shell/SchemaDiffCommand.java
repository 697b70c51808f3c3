package io.headroom.sharding.internal.shell;

import io.headroom.sharding.api.SchemaChanges;
import io.headroom.sharding.api.SchemaDrift;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "shard", name = "schema-diff", description = "Shows every shard whose sharded tables differ from the recorded schema")
@Service
public class SchemaDiffCommand implements Action {
    @Reference
    SchemaChanges schema;

    @Override
    public Object execute() {
        List<SchemaDrift> drift = schema.diff();
        if (drift.isEmpty()) {
            System.out.println("no drift: every shard has the recorded schema");
            return null;
        }
        ShellTable t = new ShellTable();
        t.column("Shard");
        t.column("Table");
        t.column("Problem");
        for (SchemaDrift d : drift) {
            t.addRow().addContent(d.shard(), d.table() == null ? "" : d.table(), d.problem());
        }
        t.print(System.out);
        return null;
    }
}
