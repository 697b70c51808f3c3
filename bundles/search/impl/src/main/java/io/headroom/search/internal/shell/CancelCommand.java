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

@Command(scope = "search", name = "cancel", description = "Abandons a migration before finish: reads stay on the old layout, the new indexes are deleted")
@Service
public class CancelCommand implements Action {
    @Reference
    SearchAdmin admin;

    @Completion(MigrationIdCompleter.class)
    @Argument(index = 0, name = "migration", required = true, description = "Migration id")
    long id;

    @Override
    public Object execute() throws Exception {
        MigrationStatus s = admin.cancel(id);
        Render.status(System.out, s, false);
        return null;
    }
}
