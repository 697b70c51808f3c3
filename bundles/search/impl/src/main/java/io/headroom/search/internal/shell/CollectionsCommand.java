package io.headroom.search.internal.shell;

import io.headroom.search.api.CollectionInfo;
import io.headroom.search.api.SearchAdmin;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "search", name = "collections", description = "Lists collections with their current layout")
@Service
public class CollectionsCommand implements Action {
    @Reference
    SearchAdmin admin;

    @Override
    public Object execute() {
        System.out.printf("%-20s %6s %10s %8s %s%n", "COLLECTION", "LAYOUT", "PARTITIONS", "TENANTS", "DEDICATED");
        for (CollectionInfo c : admin.collections()) {
            System.out.printf("%-20s %6d %10d %8d %s%n", c.name(), c.layout(), c.spec().partitions(), c.tenants(),
                    c.spec().dedicated().stream().map(Object::toString).sorted().toList());
        }
        return null;
    }
}
