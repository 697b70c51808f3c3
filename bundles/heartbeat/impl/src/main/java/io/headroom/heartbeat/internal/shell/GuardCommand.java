package io.headroom.heartbeat.internal.shell;

import io.headroom.heartbeat.api.DeployGuard;
import io.headroom.heartbeat.api.GuardPolicy;
import java.util.Arrays;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;

@Command(scope = "heartbeat", name = "guard", description = "Shows or sets the rollback rule's fleet-wide settings: tenant quorum and critical tenants")
@Service
public class GuardCommand implements Action {
    @Reference
    DeployGuard guard;

    @Reference
    Session session;

    @Option(name = "--quorum", description = "Distinct paging tenants that roll a change back")
    Integer quorum;

    @Option(name = "--critical", description = "Tenants whose page alone rolls a change back, comma-separated (empty: none)")
    String critical;

    @Override
    public Object execute() {
        GuardPolicy p = guard.policy();
        if (quorum != null || critical != null) {
            List<String> tenants = critical == null ? p.criticalTenants()
                    : Arrays.stream(critical.split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList();
            Object user = session.get("USER");
            p = guard.setPolicy(quorum == null ? p.tenantQuorum() : quorum, tenants, user == null ? "shell" : user.toString());
        }
        System.out.println("tenant quorum " + p.tenantQuorum() + ", critical tenants " + p.criticalTenants()
                + " (set by " + p.updatedBy() + (p.updatedAt() == null ? "" : " at " + p.updatedAt()) + ")");
        return null;
    }
}
