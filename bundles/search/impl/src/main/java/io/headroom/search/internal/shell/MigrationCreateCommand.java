package io.headroom.search.internal.shell;

import io.headroom.search.api.MigrationStatus;
import io.headroom.search.api.SearchAdmin;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "search", name = "migration-create", description = "Defines a target layout for a collection and creates its indexes")
@Service
public class MigrationCreateCommand extends LayoutOptions {
    @Reference
    SearchAdmin admin;

    @Completion(CollectionCompleter.class)
    @Argument(index = 0, name = "collection", required = true, description = "Collection")
    String collection;

    @Override
    public Object execute() {
        MigrationStatus s = admin.createMigration(collection, layout());
        System.out.println("migration " + s.id() + " created: layout " + s.sourceLayout() + " -> " + s.targetLayout()
                + "; next: search:start " + s.id());
        return null;
    }
}
