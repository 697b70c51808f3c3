package io.headroom.llm.internal.shell;

import io.headroom.llm.api.LlmAdmin;
import io.headroom.llm.api.Route;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.StringsCompleter;

@Command(scope = "llm", name = "route-put", description = "Creates or replaces a route for the whole fleet")
@Service
public class RoutePutCommand implements Action {
    @Reference
    LlmAdmin admin;

    @Argument(index = 0, name = "name", required = true, description = "The model name clients ask for")
    String name;

    @Argument(index = 1, name = "deployments", required = true, multiValued = true, description = "Deployments in failover order")
    @Completion(DeploymentCompleter.class)
    List<String> deployments;

    @Option(name = "--strategy", description = "ordered, weighted, latency or least-busy")
    @Completion(value = StringsCompleter.class, values = {"ordered", "weighted", "latency", "least-busy"})
    String strategy = "ordered";

    @Option(name = "--weights", description = "For weighted: name=weight,name=weight")
    String weights = "";

    @Option(name = "--drop-unsupported", description = "Request parameters a deployment that cannot honour them may leave out: seed,logprobs")
    String dropUnsupported = "";

    @Option(name = "--tenants", description = "Tenants whose tokens may use the route: t1,t2 (left out: every tenant)")
    @Completion(TenantCompleter.class)
    String tenants = "";

    @Override
    public Object execute() {
        Map<String, Integer> w = new HashMap<>();
        for (String kv : weights.split(",")) {
            String[] p = kv.split("=");
            if (p.length == 2) {
                w.put(p[0].trim(), Integer.parseInt(p[1].trim()));
            }
        }
        admin.putRoute(new Route(name, strategy, deployments, w, List.of(dropUnsupported.split(",")),
                List.of(tenants.split(","))));
        System.out.println("route " + name + " saved");
        return null;
    }
}
