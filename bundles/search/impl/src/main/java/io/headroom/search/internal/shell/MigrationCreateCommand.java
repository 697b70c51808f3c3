package io.headroom.search.internal.shell;

import io.headroom.search.api.LayoutSpec;
import io.headroom.search.api.MigrationStatus;
import io.headroom.search.api.SearchAdmin;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "search", name = "migration-create", description = "Defines a target layout for a collection and creates its indexes")
@Service
public class MigrationCreateCommand implements Action {
    @Reference
    SearchAdmin admin;

    @Option(name = "--partitions", aliases = "-p", description = "Partition indexes of the target (1-64)")
    int partitions = 1;

    @Option(name = "--dedicated", aliases = "-d", description = "Tenants with their own index in the target, comma-separated")
    String dedicated;

    @Option(name = "--mappings", aliases = "-m", description = "Target mappings, a JSON object")
    String mappings;

    @Option(name = "--settings", aliases = "-s", description = "Target index settings, a JSON object")
    String settings;

    @Argument(index = 0, name = "collection", required = true, description = "Collection")
    String collection;

    @Override
    public Object execute() {
        MigrationStatus s = admin.createMigration(collection, new LayoutSpec(partitions, Render.tenants(dedicated), mappings, settings));
        System.out.println("migration " + s.id() + " created: layout " + s.sourceLayout() + " -> " + s.targetLayout()
                + "; next: search:start " + s.id());
        return null;
    }
}
