package io.headroom.search.internal.shell;

import io.headroom.search.api.MigrationStatus;
import io.headroom.search.api.SearchAdmin;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "search", name = "backfill", description = "Starts or resumes copying every tenant into the new layout; --wait shows progress until done")
@Service
public class BackfillCommand implements Action {
    @Reference
    SearchAdmin admin;

    @Option(name = "--wait", aliases = "-w", description = "Show progress until every tenant is copied")
    boolean waitDone;

    @Completion(MigrationIdCompleter.class)
    @Argument(index = 0, name = "migration", required = true, description = "Migration id")
    long id;

    @Override
    public Object execute() throws Exception {
        MigrationStatus s = backfillAndWait();
        Render.status(System.out, s, false);
        return null;
    }

    private MigrationStatus backfillAndWait() throws InterruptedException {
        MigrationStatus s = admin.backfill(id);
        while (waitDone && !Thread.currentThread().isInterrupted()) {
            long copied = s.tenants().stream().filter(t -> "COPIED".equals(t.backfill())).count();
            long docs = s.tenants().stream().mapToLong(t -> t.copied()).sum();
            System.out.print("\r  backfill " + Render.bar(copied, s.tenants().size()) + " tenants, " + docs + " documents   ");
            System.out.flush();
            if (!"BACKFILLING".equals(s.state())) {
                System.out.println();
                break;
            }
            Thread.sleep(1000);
            s = admin.status(id);
        }
        return s;
    }
}
