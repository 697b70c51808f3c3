package io.headroom.heartbeat.internal.shell;

import io.headroom.core.api.TenantId;
import io.headroom.heartbeat.api.Heartbeat;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the tenants whose events the heartbeat counts. */
@Service
public class TenantCompleter implements Completer {
    @Reference
    Heartbeat heartbeat;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(heartbeat.tenants().stream().map(TenantId::value).toList()).complete(session, commandLine, candidates);
    }
}
