package io.headroom.core.internal.shell;

import io.headroom.core.api.flags.FeatureFlags;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "headroom", name = "flag-delete", description = "Deletes a feature flag")
@Service
public class FlagDeleteCommand implements Action {
    @Reference
    FeatureFlags flags;

    @Argument(index = 0, name = "flag", required = true, description = "Flag name")
    @Completion(FlagNameCompleter.class)
    String flag;

    @Override
    public Object execute() {
        if (!flags.delete(flag)) {
            throw new IllegalArgumentException("no flag named " + flag);
        }
        System.out.println("deleted " + flag);
        return null;
    }
}
