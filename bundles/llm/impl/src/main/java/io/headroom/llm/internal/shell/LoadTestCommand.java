package io.headroom.llm.internal.shell;

import io.headroom.llm.api.LlmAdmin;
import io.headroom.llm.api.LlmRouter;
import io.headroom.llm.api.Priority;
import io.headroom.llm.api.RouteStatus;
import io.headroom.llm.internal.LoadTest;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "llm", name = "load-test", description = "Drives a route at a fixed rate with a short prompt; reports latency, errors, deployments used and headroom")
@Service
public class LoadTestCommand implements Action {
    @Reference
    LlmRouter router;

    @Reference
    LlmAdmin admin;

    @Option(name = "--background", description = "Send as background priority")
    boolean background;

    @Argument(index = 0, name = "route", required = true, description = "Route name")
    @Completion(RouteCompleter.class)
    String route;

    @Argument(index = 1, name = "rate", required = true, description = "Requests per second (1-1000)")
    int rate;

    @Argument(index = 2, name = "seconds", required = true, description = "Duration (1-300)")
    int seconds;

    @Override
    public Object execute() throws Exception {
        LoadTest.Result r = LoadTest.run(router, route, background ? Priority.BACKGROUND : Priority.INTERACTIVE, rate, seconds,
                sent -> System.out.print("\rsent " + sent + " of " + rate * seconds));
        System.out.printf("%nroute %s, %d requests at %d/s: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", route, r.requests(), rate,
                r.percentileMillis(0.5), r.percentileMillis(0.99), r.percentileMillis(1.0));
        System.out.println("outcomes: " + r.outcomes());
        RouteStatus h = admin.routeStatus(route);
        System.out.println("headroom: " + h.requestsLastMinute() + " requests in the last minute, capacity " + h.capacityPerMinute()
                + "/min" + (h.low() ? " (LOW: under twice the load)" : ""));
        return null;
    }
}
