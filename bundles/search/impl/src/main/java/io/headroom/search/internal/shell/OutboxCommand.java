package io.headroom.search.internal.shell;

import io.headroom.search.api.OutboxEntry;
import io.headroom.search.api.SearchAdmin;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "search", name = "outbox", description = "Lists the writes a layout has not taken yet; --retry revives the dead ones")
@Service
public class OutboxCommand implements Action {
    @Reference
    SearchAdmin admin;

    @Option(name = "--dead", description = "Only the writes a layout refused")
    boolean deadOnly;

    @Option(name = "--retry", description = "Retry the dead writes now (after fixing what made the layout refuse them)")
    boolean retry;

    @Option(name = "--limit", description = "At most this many rows (1-1000)")
    int limit = 50;

    @Completion(CollectionCompleter.class)
    @Argument(index = 0, name = "collection", required = true, description = "Collection")
    String collection;

    @Override
    public Object execute() {
        if (retry) {
            System.out.println(admin.retryOutbox(collection) + " dead writes of " + collection + " will be retried now");
            return null;
        }
        List<OutboxEntry> entries = admin.outbox(collection, deadOnly, limit);
        ShellTable table = new ShellTable();
        table.column("Id").alignRight();
        table.column("Layout").alignRight();
        table.column("Tenant");
        table.column("Document");
        table.column("Version").alignRight();
        table.column("Attempts").alignRight();
        table.column("Dead");
        table.column("Last error").maxSize(80);
        for (OutboxEntry e : entries) {
            table.addRow().addContent(e.id(), e.layout(), e.tenant(), e.documentId(), e.version(), e.attempts(), e.dead() ? "yes" : "no",
                    e.lastError() == null ? "" : e.lastError());
        }
        table.print(System.out);
        return null;
    }
}
