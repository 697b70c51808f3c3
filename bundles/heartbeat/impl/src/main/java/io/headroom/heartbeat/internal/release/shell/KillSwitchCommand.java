package io.headroom.heartbeat.internal.release.shell;

import io.headroom.heartbeat.api.KillSwitch;
import io.headroom.heartbeat.api.Releases;
import io.headroom.heartbeat.internal.shell.SloJobCompleter;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;

@Command(scope = "release", name = "kill-switch", description = "Makes a flag a kill switch: a page on one of its jobs switches it off (for the tenant, or everyone)")
@Service
public class KillSwitchCommand implements Action {
    @Reference
    Releases releases;

    @Reference
    Session session;

    @Option(name = "--everyone", description = "Switch the flag off for everyone on any page, not only for the paging tenant")
    boolean everyone;

    @Option(name = "--delete", description = "Stop using the flag as a kill switch")
    boolean delete;

    @Argument(index = 0, name = "flag", required = true, description = "The flag")
    @Completion(KillSwitchFlagCompleter.class)
    String flag;

    @Argument(index = 1, name = "jobs", required = false, multiValued = true, description = "The jobs it guards")
    @Completion(SloJobCompleter.class)
    List<String> jobs;

    @Override
    public Object execute() {
        if (delete) {
            System.out.println(releases.deleteKillSwitch(flag, Actor.of(session)) ? "kill switch on " + flag + " deleted" : "no kill switch on " + flag);
            return null;
        }
        KillSwitch k = releases.putKillSwitch(new KillSwitch(flag, jobs == null ? List.of() : jobs,
                everyone ? KillSwitch.EVERYONE : KillSwitch.TENANT, null, null), Actor.of(session));
        System.out.println("flag " + k.flag() + " guards " + k.jobs() + ": a page switches it off for " + (everyone ? "everyone" : "the paging tenant"));
        return null;
    }
}
