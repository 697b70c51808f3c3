package io.headroom.heartbeat.internal.release.shell;

import io.headroom.core.api.flags.FeatureFlags;
import io.headroom.core.api.flags.FlagDefinition;
import io.headroom.heartbeat.api.KillSwitch;
import io.headroom.heartbeat.api.Releases;
import java.util.List;
import java.util.TreeSet;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the flags a kill switch can be put on or taken off: every feature flag, and every kill switch's flag. */
@Service
public class KillSwitchFlagCompleter implements Completer {
    @Reference
    Releases releases;

    @Reference
    FeatureFlags flags;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        TreeSet<String> names = new TreeSet<>();
        flags.list().stream().map(FlagDefinition::name).forEach(names::add);
        releases.killSwitches().stream().map(KillSwitch::flag).forEach(names::add);
        return new StringsCompleter(names).complete(session, commandLine, candidates);
    }
}
