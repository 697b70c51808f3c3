package io.headroom.search.internal.shell;

import io.headroom.search.api.CollectionInfo;
import io.headroom.search.api.LayoutSpec;
import io.headroom.search.api.SearchAdmin;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "search", name = "collection-create", description = "Creates a collection: partition indexes routed by tenant, plus dedicated indexes")
@Service
public class CollectionCreateCommand implements Action {
    @Reference
    SearchAdmin admin;

    @Option(name = "--partitions", aliases = "-p", description = "Partition indexes (1-64)")
    int partitions = 1;

    @Option(name = "--dedicated", aliases = "-d", description = "Tenants with their own index, comma-separated")
    String dedicated;

    @Option(name = "--mappings", aliases = "-m", description = "Index mappings, a JSON object")
    String mappings;

    @Option(name = "--settings", aliases = "-s", description = "Index settings, a JSON object")
    String settings;

    @Argument(index = 0, name = "name", required = true, description = "Collection name (a-z, 0-9)")
    String name;

    @Override
    public Object execute() {
        CollectionInfo c = admin.createCollection(name, new LayoutSpec(partitions, Render.tenants(dedicated), mappings, settings));
        System.out.println("collection " + c.name() + " on layout " + c.layout() + ": " + String.join(", ", c.indexes()));
        return null;
    }
}
