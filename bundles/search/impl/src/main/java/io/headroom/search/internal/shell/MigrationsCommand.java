package io.headroom.search.internal.shell;

import io.headroom.search.api.MigrationStatus;
import io.headroom.search.api.SearchAdmin;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "search", name = "migrations", description = "Lists a collection's migrations")
@Service
public class MigrationsCommand implements Action {
    @Reference
    SearchAdmin admin;

    @Completion(CollectionCompleter.class)
    @Argument(index = 0, name = "collection", required = true, description = "Collection")
    String collection;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        table.column("Id").alignRight();
        table.column("Layouts");
        table.column("State");
        table.column("Tenants").alignRight();
        for (MigrationStatus s : admin.migrations(collection)) {
            table.addRow().addContent(s.id(), s.sourceLayout() + " -> " + s.targetLayout(), s.state(), s.tenants().size());
        }
        table.print(System.out);
        return null;
    }
}
