package io.headroom.heartbeat.internal.release.shell;

import io.headroom.heartbeat.api.Releases;
import io.headroom.heartbeat.internal.core.ReleasePlan;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "release", name = "figures", description = "Delivery figures per bundle: deployment frequency, lead time, change failure rate, time to restore")
@Service
public class FiguresCommand implements Action {
    @Reference
    Releases releases;

    @Option(name = "--window", description = "How far back, e.g. 30d")
    String window = "30d";

    @Override
    public Object execute() {
        ShellTable t = new ShellTable();
        t.column("Bundle");
        t.column("Completed");
        t.column("Rolled back");
        t.column("Per day");
        t.column("Lead time s");
        t.column("Failure rate");
        t.column("Restore s");
        releases.figures(ReleasePlan.parseDuration(window)).forEach(f -> t.addRow().addContent(f.unit(), f.completed(),
                f.rolledBack(), fmt(f.perDay()), f.leadTimeSeconds() < 0 ? "–" : fmt(f.leadTimeSeconds()),
                fmt(f.changeFailureRate()), f.timeToRestoreSeconds() < 0 ? "–" : fmt(f.timeToRestoreSeconds())));
        t.print(System.out);
        return null;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
