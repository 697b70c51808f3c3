package io.headroom.search.internal.shell;

import io.headroom.search.api.CollectionInfo;
import io.headroom.search.api.SearchAdmin;
import java.util.ArrayList;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes migration ids, of every collection. */
@Service
public class MigrationIdCompleter implements Completer {
    @Reference
    SearchAdmin admin;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        List<String> ids = new ArrayList<>();
        for (CollectionInfo c : admin.collections()) {
            admin.migrations(c.name()).forEach(m -> ids.add(String.valueOf(m.id())));
        }
        return new StringsCompleter(ids).complete(session, commandLine, candidates);
    }
}
