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

@Command(scope = "search", name = "finish", description = "Makes the new layout current once every tenant is validated and reads it; the old one is no longer written")
@Service
public class FinishCommand implements Action {
    @Reference
    SearchAdmin admin;

    @Completion(MigrationIdCompleter.class)
    @Argument(index = 0, name = "migration", required = true, description = "Migration id")
    long id;

    @Override
    public Object execute() throws Exception {
        MigrationStatus s = admin.finish(id);
        Render.status(System.out, s, false);
        return null;
    }
}
