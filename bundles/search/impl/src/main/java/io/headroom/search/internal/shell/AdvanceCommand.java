package io.headroom.search.internal.shell;

import io.headroom.core.api.TenantList;
import io.headroom.search.api.MigrationStatus;
import io.headroom.search.api.SearchAdmin;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "search", name = "advance", description = "Moves reads to the new layout for a percentage of validated tenants and/or the listed ones")
@Service
public class AdvanceCommand implements Action {
    @Reference
    SearchAdmin admin;

    @Option(name = "--tenants", aliases = "-t", description = "Tenants, comma-separated (default: all)")
    @Completion(TenantCompleter.class)
    String tenants;

    @Option(name = "--percent", aliases = "-p", description = "Percentage of tenants (0-100)")
    Double percent;

    @Completion(MigrationIdCompleter.class)
    @Argument(index = 0, name = "migration", required = true, description = "Migration id")
    long id;

    @Override
    public Object execute() throws Exception {
        MigrationStatus s = admin.advance(id, percent, TenantList.parse(tenants));
        Render.status(System.out, s, false);
        return null;
    }
}
