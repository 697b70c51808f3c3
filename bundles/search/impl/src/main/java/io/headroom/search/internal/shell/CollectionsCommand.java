package io.headroom.search.internal.shell;

import io.headroom.search.api.CollectionInfo;
import io.headroom.search.api.SearchAdmin;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "search", name = "collections", description = "Lists collections with their current layout")
@Service
public class CollectionsCommand implements Action {
    @Reference
    SearchAdmin admin;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        table.column("Collection");
        table.column("Layout").alignRight();
        table.column("Partitions").alignRight();
        table.column("Tenants").alignRight();
        table.column("Dedicated");
        for (CollectionInfo c : admin.collections()) {
            table.addRow().addContent(c.name(), c.layout(), c.spec().partitions(), c.tenants(),
                    String.join(", ", c.spec().dedicated().stream().map(Object::toString).sorted().toList()));
        }
        table.print(System.out);
        return null;
    }
}
