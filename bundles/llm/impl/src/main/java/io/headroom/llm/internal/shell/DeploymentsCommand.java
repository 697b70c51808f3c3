package io.headroom.llm.internal.shell;

import io.headroom.llm.api.LlmAdmin;
import java.time.Instant;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "llm", name = "deployments", description = "Deployments with health, cooldown, latency and load")
@Service
public class DeploymentsCommand implements Action {
    @Reference
    LlmAdmin admin;

    @Override
    public Object execute() {
        ShellTable t = new ShellTable();
        java.util.Map<String, String> responses = new java.util.HashMap<>();
        admin.deploymentDefinitions().forEach(d -> responses.put(d.name(), d.responsesApi()));
        for (String c : new String[] {"Deployment", "Provider", "Model", "Responses API", "Status", "Cooldown until", "Reason", "Latency ms", "In flight",
            "Requests", "Failures", "Last min"}) {
            t.column(c);
        }
        admin.deployments().forEach(v -> t.addRow().addContent(v.name(), v.provider(), v.model(),
                responses.getOrDefault(v.name(), ""), v.status(),
                v.cooldownUntilMillis() == 0 ? "" : Instant.ofEpochMilli(v.cooldownUntilMillis()).toString(),
                v.cooldownReason() == null ? "" : v.cooldownReason(), String.format(Locale.ROOT, "%.1f", v.latencyMillis()),
                v.inFlight(), v.requests(), v.failures(), v.requestsLastMinute()));
        t.print(System.out);
        return null;
    }
}
