package io.headroom.llm.internal;

import io.headroom.llm.api.LlmAdmin;
import io.headroom.llm.api.Route;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * One route per factory configuration {@code io.headroom.llm.route} (etc/io.headroom.llm.route-NAME.cfg): a seed of the
 * fleet's routes in the control schema, as for deployments.
 */
@Component(configurationPid = "io.headroom.llm.route", configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
@Designate(ocd = RouteConfiguration.Config.class, factory = true)
public final class RouteConfiguration {
    @ObjectClassDefinition(name = "Headroom LLM route")
    public @interface Config {
        @AttributeDefinition(description = "The model name clients ask for")
        String name();

        @AttributeDefinition(description = "ordered, weighted, latency or least-busy")
        String strategy() default "ordered";

        @AttributeDefinition(description = "Deployment names, comma-separated, in failover order")
        String deployments();

        @AttributeDefinition(description = "For weighted: name=weight, comma-separated")
        String weights() default "";

        @AttributeDefinition(description = "Request parameters a deployment that cannot honour them may leave out, comma-separated (e.g. seed,logprobs)")
        String dropUnsupported() default "";

        @AttributeDefinition(description = "Tenant ids whose tokens may use the route, comma-separated (empty: every tenant)")
        String tenants() default "";
    }

    @Activate
    public RouteConfiguration(@Reference LlmAdmin admin, Config c) {
        Map<String, Integer> weights = new HashMap<>();
        for (String w : c.weights().split(",")) {
            String[] kv = w.trim().split("=");
            if (kv.length == 2) {
                weights.put(kv[0].trim(), Integer.parseInt(kv[1].trim()));
            }
        }
        List<String> deployments = List.of(c.deployments().split("\\s*,\\s*"));
        Route r = new Route(c.name(), c.strategy(), deployments, weights, List.of(c.dropUnsupported().split(",")),
                List.of(c.tenants().split(",")));
        if (admin instanceof LlmRouterService service) {
            service.seedRoute(r);
        } else {
            admin.putRoute(r);
        }
    }
}
