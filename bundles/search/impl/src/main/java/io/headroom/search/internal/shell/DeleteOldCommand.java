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

@Command(scope = "search", name = "delete-old", description = "Deletes the old layout's indexes after finish; --confirm must repeat the collection name")
@Service
public class DeleteOldCommand implements Action {
    @Reference
    SearchAdmin admin;

    @Option(name = "--confirm", required = true, description = "The collection name, to confirm")
    @Completion(CollectionCompleter.class)
    String confirm;

    @Completion(MigrationIdCompleter.class)
    @Argument(index = 0, name = "migration", required = true, description = "Migration id")
    long id;

    @Override
    public Object execute() throws Exception {
        MigrationStatus s = admin.deleteOld(id, confirm);
        Render.status(System.out, s, false);
        return null;
    }
}
