package io.headroom.search.internal.shell;

import io.headroom.search.api.MigrationStatus;
import io.headroom.search.api.SearchAdmin;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "search", name = "status", description = "A migration's progress: backfill, validation, reads moved; --tenants for the table")
@Service
public class StatusCommand implements Action {
    @Reference
    SearchAdmin admin;

    @Option(name = "--tenants", aliases = "-t", description = "Show every tenant")
    boolean tenants;

    @Completion(MigrationIdCompleter.class)
    @Argument(index = 0, name = "migration", required = true, description = "Migration id")
    long id;

    @Override
    public Object execute() {
        Render.status(System.out, admin.status(id), tenants);
        return null;
    }
}
