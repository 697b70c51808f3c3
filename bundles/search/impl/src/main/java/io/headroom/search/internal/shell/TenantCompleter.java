package io.headroom.search.internal.shell;

import io.headroom.core.api.TenantList;
import io.headroom.search.api.CollectionInfo;
import io.headroom.search.api.MigrationStatus;
import io.headroom.search.api.SearchAdmin;
import io.headroom.search.api.TenantProgress;
import java.util.List;
import java.util.TreeSet;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the tenants of the collections' migrations (those a migration copies), one or a comma-separated list. */
@Service
public class TenantCompleter implements Completer {
    @Reference
    SearchAdmin admin;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        TreeSet<String> tenants = new TreeSet<>();
        for (CollectionInfo c : admin.collections()) {
            for (MigrationStatus m : admin.migrations(c.name())) {
                m.tenants().stream().map(TenantProgress::tenant).forEach(tenants::add);
            }
        }
        return new StringsCompleter(TenantList.completions(commandLine.getCursorArgument(), tenants)).complete(session, commandLine, candidates);
    }
}
