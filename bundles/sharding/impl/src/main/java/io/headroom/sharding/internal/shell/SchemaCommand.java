package io.headroom.sharding.internal.shell;

import io.headroom.sharding.api.SchemaChangeStatus;
import io.headroom.sharding.api.SchemaChanges;
import io.headroom.sharding.internal.core.SchemaChangeState;
import io.headroom.sharding.internal.core.ShardChangeState;
import java.util.TreeMap;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "shard", name = "schema", description = "Schema changes across shards; with a version, one of them (--follow shows progress; --pause, --resume, --cancel steer it)")
@Service
public class SchemaCommand implements Action {
    @Reference
    SchemaChanges schema;

    @Option(name = "--follow", aliases = "-f", description = "Show progress once a second until the change settles")
    boolean follow;

    @Option(name = "--pause", description = "Stop starting the change on more shards")
    boolean pause;

    @Option(name = "--resume", description = "Continue a paused change")
    boolean resume;

    @Option(name = "--cancel", description = "Stop for good (altered shards keep the change)")
    boolean cancel;

    @Argument(index = 0, name = "version", required = false, description = "Schema version")
    @Completion(SchemaVersionCompleter.class)
    Integer version;

    @Override
    public Object execute() throws Exception {
        if (version == null) {
            ShellTable t = new ShellTable();
            for (String c : new String[] {"Version", "State", "Canary", "Shards done", "DDL", "Error"}) {
                t.column(c);
            }
            for (SchemaChangeStatus s : schema.changes()) {
                t.addRow().addContent(s.version(), s.state(), s.canary(), s.shards().values().stream().filter(h -> ShardChangeState.of(h).done()).count(), s.ddl(), s.error() == null ? "" : s.error());
            }
            t.print(System.out);
            return null;
        }
        SchemaChangeStatus s;
        if (pause) {
            s = schema.pause(version);
        } else if (resume) {
            s = schema.resume(version);
        } else if (cancel) {
            s = schema.cancel(version);
        } else {
            s = schema.status(version).orElseThrow(() -> new IllegalArgumentException("no schema change " + version));
        }
        if (follow) {
            follow(schema, version);
        } else {
            print(s);
        }
        return null;
    }

    static void print(SchemaChangeStatus s) {
        System.out.println("schema " + s.version() + " " + s.state() + " (canary " + s.canary() + "): " + s.ddl());
        if (!s.shards().isEmpty()) {
            ShellTable t = new ShellTable();
            t.column("Shard");
            t.column("How");
            new TreeMap<>(s.shards()).forEach((shard, how) -> t.addRow().addContent(shard, how));
            t.print(System.out);
        }
        if (s.error() != null) {
            System.out.println("error: " + s.error());
        }
    }

    static void follow(SchemaChanges schema, int version) throws InterruptedException {
        while (true) {
            SchemaChangeStatus s = schema.status(version).orElseThrow();
            System.out.print("\rschema " + version + " " + s.state() + ": " + s.shards().values().stream().filter(h -> ShardChangeState.of(h).done()).count() + " shard(s) done   ");
            System.out.flush();
            if (SchemaChangeState.valueOf(s.state()).settled()) {
                System.out.println();
                print(s);
                return;
            }
            Thread.sleep(1000);
        }
    }
}
