package io.headroom.core.internal.shell;

import io.headroom.core.api.flags.FeatureFlags;
import io.headroom.core.api.flags.FlagDefinition;
import java.util.Collection;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "headroom", name = "flag-list", description = "Lists feature flags with their rollout and tenant lists")
@Service
public class FlagListCommand implements Action {
    private static final int SHOWN_TENANTS = 8;

    @Reference
    FeatureFlags flags;

    @Override
    public Object execute() {
        print(flags.list());
        return null;
    }

    static void print(List<FlagDefinition> list) {
        ShellTable table = new ShellTable();
        table.column("Flag");
        table.column("Percent");
        table.column("Allow");
        table.column("Deny");
        table.column("Version");
        table.column("Description");
        list.forEach(f -> table.addRow().addContent(f.name(), f.percentage(), abbreviate(f.allowed()), abbreviate(f.denied()),
                f.version(), f.description()));
        table.print(System.out);
    }

    private static String abbreviate(Collection<?> tenants) {
        String shown = String.join(",", tenants.stream().limit(SHOWN_TENANTS).map(Object::toString).toList());
        return tenants.size() > SHOWN_TENANTS ? shown + " (+" + (tenants.size() - SHOWN_TENANTS) + ")" : shown;
    }
}
