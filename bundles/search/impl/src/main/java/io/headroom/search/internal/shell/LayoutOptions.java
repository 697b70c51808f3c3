package io.headroom.search.internal.shell;

import io.headroom.core.api.TenantList;
import io.headroom.search.api.LayoutSpec;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;

/** The options that define a layout, shared by the commands that create one (a collection's, a migration's target). */
abstract class LayoutOptions implements Action {
    @Option(name = "--partitions", aliases = "-p", description = "Partition indexes (1-64)")
    int partitions = 1;

    @Option(name = "--dedicated", aliases = "-d", description = "Tenants with their own index, comma-separated")
    @Completion(TenantCompleter.class)
    String dedicated;

    @Option(name = "--mappings", aliases = "-m", description = "Index mappings, a JSON object")
    String mappings;

    @Option(name = "--settings", aliases = "-s", description = "Index settings, a JSON object")
    String settings;

    LayoutSpec layout() {
        return new LayoutSpec(partitions, TenantList.parse(dedicated), mappings, settings);
    }
}
