package io.headroom.heartbeat.internal.release.shell;

import io.headroom.heartbeat.api.NodeRun;
import io.headroom.heartbeat.api.Release;
import io.headroom.heartbeat.api.Releases;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "release", name = "status", description = "Releases and their decisions; with an id, the release's progress per node")
@Service
public class ReleaseStatusCommand implements Action {
    @Reference
    Releases releases;

    @Argument(index = 0, name = "id", required = false, description = "Release id")
    @Completion(ReleaseIdCompleter.class)
    Long id;

    @Option(name = "--limit", aliases = "-n", description = "How many releases")
    int limit = 10;

    @Override
    public Object execute() {
        List<Release> list = id == null ? releases.releases(limit)
                : List.of(releases.release(id).orElseThrow(() -> new IllegalArgumentException("no release " + id)));
        ShellTable t = new ShellTable();
        t.column("Id");
        t.column("Unit");
        t.column("From");
        t.column("To");
        t.column("State");
        t.column("Step");
        t.column("Nodes on new");
        t.column("Reason");
        for (Release r : list) {
            long onNew = r.nodes().stream().filter(n -> r.toVersion().equals(n.running())).count();
            t.addRow().addContent(r.id(), r.unit(), r.fromVersion(), r.toVersion(), r.state(),
                    (r.step() + 1) + "/" + r.steps().size() + " (" + String.join(",", r.steps()) + ")",
                    progress(onNew, r.nodes().size()), r.reason());
        }
        t.print(System.out);
        if (id != null && !list.isEmpty()) {
            ShellTable n = new ShellTable();
            n.column("Node");
            n.column("Live");
            n.column("Desired");
            n.column("Running");
            n.column("Reported");
            n.column("Detail");
            for (NodeRun run : list.get(0).nodes()) {
                n.addRow().addContent(run.node(), run.live() ? "yes" : "no", run.desired(), run.running(), run.reportedAt(), run.detail());
            }
            n.print(System.out);
        }
        return null;
    }

    /** A small bar: how many nodes run the new version. */
    static String progress(long done, long of) {
        int width = 10;
        int filled = of == 0 ? 0 : (int) Math.round(width * done / (double) of);
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "] " + done + "/" + of;
    }
}
