package io.headroom.llm.internal.shell;

import io.headroom.llm.api.DeploymentStatus;
import io.headroom.llm.api.LlmAdmin;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes deployment names. */
@Service
public class DeploymentCompleter implements Completer {
    @Reference
    LlmAdmin admin;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(admin.deployments().stream().map(DeploymentStatus::name).toList()).complete(session, commandLine, candidates);
    }
}
