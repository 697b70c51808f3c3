package io.headroom.search.internal.shell;

import io.headroom.search.api.CollectionInfo;
import io.headroom.search.api.SearchAdmin;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "search", name = "collection-create", description = "Creates a collection: partition indexes routed by tenant, plus dedicated indexes")
@Service
public class CollectionCreateCommand extends LayoutOptions {
    @Reference
    SearchAdmin admin;

    @Argument(index = 0, name = "name", required = true, description = "Collection name (a-z, 0-9)")
    String name;

    @Override
    public Object execute() {
        CollectionInfo c = admin.createCollection(name, layout());
        System.out.println("collection " + c.name() + " on layout " + c.layout() + ": " + String.join(", ", c.indexes()));
        return null;
    }
}
