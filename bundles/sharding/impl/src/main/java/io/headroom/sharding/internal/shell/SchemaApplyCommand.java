package io.headroom.sharding.internal.shell;

import io.headroom.sharding.api.SchemaChangeStatus;
import io.headroom.sharding.api.SchemaChanges;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "shard", name = "schema-apply", description = "Applies a versioned ALTER TABLE, CREATE TABLE or DROP TABLE to every shard online: canary first, then the rest")
@Service
public class SchemaApplyCommand implements Action {
    @Reference
    SchemaChanges schema;

    @Option(name = "--wait", aliases = "-w", description = "Show progress until the change settles")
    boolean await;

    @Option(name = "--confirm", description = "For DROP TABLE: the table's name")
    String confirm;

    @Argument(index = 0, name = "version", required = true, description = "The next schema version")
    int version;

    @Argument(index = 1, name = "ddl", required = true, multiValued = true, description = "ALTER TABLE ... | CREATE TABLE ... | DROP TABLE ... (quote it)")
    List<String> ddl;

    @Override
    public Object execute() throws Exception {
        SchemaChangeStatus s = schema.apply(version, String.join(" ", ddl), confirm);
        System.out.println("schema change " + s.version() + " started (canary " + s.canary() + ")");
        if (await) {
            SchemaCommand.follow(schema, version);
        }
        return null;
    }
}
