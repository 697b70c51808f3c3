package io.headroom.core.internal.shell;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.load.TenantLimit;
import io.headroom.core.api.load.TenantLimits;
import io.headroom.core.internal.load.TenantReport;
import java.time.Instant;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** Sets a tenant's limits in every layer at once (replacing the ones it had), or clears them. */
@Command(scope = "headroom", name = "limit", description = "Limits one tenant in every layer at once, fleet-wide, optionally until an expiry")
@Service
public class LimitCommand implements Action {
    @Reference
    TenantLimits limits;

    @Argument(index = 0, name = "tenant", required = true, description = "Tenant id")
    @Completion(TenantCompleter.class)
    String tenant;

    @Option(name = "--queue-cap", description = "Jobs the tenant may have open in a queue")
    Integer queueCap;

    @Option(name = "--llm-rpm", description = "LLM requests a minute, fleet-wide")
    Integer llmRpm;

    @Option(name = "--shard-share", description = "Share (0-1] of each shard's connection pool")
    Double shardShare;

    @Option(name = "--rest-rps", description = "REST requests a second, fleet-wide")
    Integer restRps;

    @Option(name = "--expires", aliases = "-e", description = "When the limits end: 30s, 15m, 2h, 1d or an ISO-8601 instant")
    String expires;

    @Option(name = "--clear", description = "Removes the tenant's limits")
    boolean clear;

    @Override
    public Object execute() {
        TenantId t = TenantId.of(tenant);
        if (clear) {
            System.out.println(limits.clear(t) ? "Limits of " + t + " cleared" : "Tenant " + t + " had no limits");
            return null;
        }
        TenantLimit set = limits.set(new TenantLimit(t, queueCap, llmRpm, shardShare, restRps, TenantReport.expiry(expires, Instant.now())));
        LimitsCommand.print(List.of(set));
        return null;
    }
}
