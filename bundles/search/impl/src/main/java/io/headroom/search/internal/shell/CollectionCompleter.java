package io.headroom.search.internal.shell;

import io.headroom.search.api.CollectionInfo;
import io.headroom.search.api.SearchAdmin;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes collection names. */
@Service
public class CollectionCompleter implements Completer {
    @Reference
    SearchAdmin admin;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(admin.collections().stream().map(CollectionInfo::name).toList()).complete(session, commandLine, candidates);
    }
}
