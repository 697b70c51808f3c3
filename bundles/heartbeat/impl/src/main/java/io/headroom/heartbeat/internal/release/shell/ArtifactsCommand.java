package io.headroom.heartbeat.internal.release.shell;

import io.headroom.heartbeat.api.Releases;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "release", name = "artifacts", description = "Bundle jars uploaded for releases, with their checksums")
@Service
public class ArtifactsCommand implements Action {
    @Reference
    Releases releases;

    @Override
    public Object execute() {
        ShellTable t = new ShellTable();
        t.column("SHA-256");
        t.column("Bundle");
        t.column("Version");
        t.column("Bytes").alignRight();
        t.column("Jobs");
        t.column("Uploaded");
        releases.artifacts().forEach(a -> t.addRow().addContent(a.sha256(), a.unit(), a.version(), a.size(),
                String.join(",", a.jobs()), a.uploadedAt()));
        t.print(System.out);
        return null;
    }
}
