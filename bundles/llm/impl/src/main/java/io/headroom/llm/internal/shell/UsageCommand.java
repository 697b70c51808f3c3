package io.headroom.llm.internal.shell;

import io.headroom.core.api.TenantId;
import io.headroom.llm.api.LlmAdmin;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Optional;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "llm", name = "usage", description = "Usage per day, tenant, route and deployment: requests, tokens, cost")
@Service
public class UsageCommand implements Action {
    @Reference
    LlmAdmin admin;

    @Option(name = "--tenant", description = "One tenant only")
    @Completion(TenantCompleter.class)
    String tenant;

    @Option(name = "--days", description = "How many days back (default 7)")
    int days = 7;

    @Override
    public Object execute() {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        ShellTable t = new ShellTable();
        for (String c : new String[] {"Day", "Tenant", "Route", "Deployment", "Requests", "Input tokens", "Output tokens", "Cost $"}) {
            t.column(c);
        }
        admin.usage(Optional.ofNullable(tenant).map(TenantId::of), today.minusDays(Math.max(0, days - 1)), today).forEach(u -> t.addRow()
                .addContent(u.day(), u.tenant() == null ? "(platform)" : u.tenant().value(), u.route(), u.deployment(), u.requests(),
                        u.inputTokens(), u.outputTokens(), String.format(Locale.ROOT, "%.6f", u.cost())));
        t.print(System.out);
        return null;
    }
}
