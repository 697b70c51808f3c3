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

@Command(scope = "search", name = "start", description = "Turns dual-write on: every write goes to the old and the new layout")
@Service
public class StartCommand implements Action {
    @Reference
    SearchAdmin admin;

    @Completion(MigrationIdCompleter.class)
    @Argument(index = 0, name = "migration", required = true, description = "Migration id")
    long id;

    @Override
    public Object execute() throws Exception {
        MigrationStatus s = admin.start(id);
        Render.status(System.out, s, false);
        return null;
    }
}
