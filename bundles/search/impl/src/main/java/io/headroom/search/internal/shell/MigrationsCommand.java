package io.headroom.search.internal.shell;

import io.headroom.search.api.MigrationStatus;
import io.headroom.search.api.SearchAdmin;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "search", name = "migrations", description = "Lists a collection's migrations")
@Service
public class MigrationsCommand implements Action {
    @Reference
    SearchAdmin admin;

    @Argument(index = 0, name = "collection", required = true, description = "Collection")
    String collection;

    @Override
    public Object execute() {
        System.out.printf("%4s %-8s %-12s %8s%n", "ID", "LAYOUTS", "STATE", "TENANTS");
        for (MigrationStatus s : admin.migrations(collection)) {
            System.out.printf("%4d %-8s %-12s %8d%n", s.id(), s.sourceLayout() + "->" + s.targetLayout(), s.state(), s.tenants().size());
        }
        return null;
    }
}
