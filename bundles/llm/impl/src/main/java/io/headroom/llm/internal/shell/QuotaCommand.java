package io.headroom.llm.internal.shell;

import io.headroom.core.api.TenantId;
import io.headroom.llm.api.LlmAdmin;
import io.headroom.llm.api.TenantQuota;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "llm", name = "quota", description = "Shows a tenant's quota and budgets, or sets (or removes) its override for the fleet")
@Service
public class QuotaCommand implements Action {
    @Reference
    LlmAdmin admin;

    @Argument(index = 0, name = "tenant", required = true)
    @Completion(TenantCompleter.class)
    String tenant;

    @Option(name = "--rpm", description = "Requests per minute (0: none)")
    Integer rpm;

    @Option(name = "--tpm", description = "Tokens per minute (0: none)")
    Integer tpm;

    @Option(name = "--daily-budget", description = "US dollars per UTC day")
    Double daily;

    @Option(name = "--monthly-budget", description = "US dollars per month")
    Double monthly;

    @Option(name = "--remove", description = "Back to the platform defaults")
    boolean remove;

    @Override
    public Object execute() {
        TenantId t = TenantId.of(tenant);
        if (remove) {
            System.out.println(admin.removeQuota(t) ? "override removed" : "no override");
        } else if (rpm != null || tpm != null || daily != null || monthly != null) {
            admin.putQuota(new TenantQuota(t, rpm, tpm, daily, monthly));
        }
        TenantQuota q = admin.effectiveQuota(t);
        System.out.println(t + ": " + q.requestsPerMinute() + " requests/min, " + q.tokensPerMinute() + " tokens/min, daily budget "
                + (q.dailyBudget() == null ? "none" : "$" + q.dailyBudget()) + ", monthly budget "
                + (q.monthlyBudget() == null ? "none" : "$" + q.monthlyBudget()));
        return null;
    }
}
