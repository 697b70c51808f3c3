package io.headroom.core.internal.shell;

import io.headroom.core.api.TenantList;
import io.headroom.core.api.flags.FeatureFlags;
import io.headroom.core.api.flags.FlagChange;
import io.headroom.core.api.flags.FlagDefinition;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "headroom", name = "flag-set", description = "Creates or changes a feature flag: rollout percentage, allow/deny lists")
@Service
public class FlagSetCommand implements Action {
    @Reference
    FeatureFlags flags;

    @Argument(index = 0, name = "flag", required = true, description = "Flag name")
    @Completion(FlagNameCompleter.class)
    String flag;

    @Option(name = "--percent", aliases = "-p", description = "Rollout percentage, 0-100")
    Double percent;

    @Option(name = "--allow", aliases = "-a", multiValued = true, description = "Tenants that always get the flag (comma-separated or repeated)")
    @Completion(TenantCompleter.class)
    List<String> allow;

    @Option(name = "--deny", aliases = "-d", multiValued = true, description = "Tenants that never get the flag")
    @Completion(TenantCompleter.class)
    List<String> deny;

    @Option(name = "--clear", aliases = "-c", multiValued = true, description = "Tenants to take off both lists")
    @Completion(TenantCompleter.class)
    List<String> clear;

    @Option(name = "--description", description = "What the flag controls")
    String description;

    @Override
    public Object execute() {
        FlagDefinition f = flags.apply(flag, new FlagChange(description, percent, TenantList.parse(allow), TenantList.parse(deny), TenantList.parse(clear)));
        FlagListCommand.print(List.of(f));
        return null;
    }
}
