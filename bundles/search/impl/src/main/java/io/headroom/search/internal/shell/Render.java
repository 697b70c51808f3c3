package io.headroom.search.internal.shell;

import io.headroom.search.api.MigrationStatus;
import io.headroom.search.api.TenantProgress;
import java.io.PrintStream;
import org.apache.karaf.shell.support.table.ShellTable;

/** Shared rendering for the search commands. */
final class Render {
    private Render() {
    }

    static String bar(long done, long total) {
        int width = 30;
        int filled = total == 0 ? 0 : (int) (width * done / total);
        return "[" + "#".repeat(filled) + "-".repeat(width - filled) + "] " + done + "/" + total;
    }

    /** A summary with progress bars, and a per-tenant table when asked. */
    static void status(PrintStream out, MigrationStatus s, boolean perTenant) {
        long n = s.tenants().size();
        long copied = s.tenants().stream().filter(t -> "COPIED".equals(t.backfill())).count();
        long validated = s.tenants().stream().filter(t -> "PASSED".equals(t.validation())).count();
        long failed = s.tenants().stream().filter(t -> "FAILED".equals(t.validation())).count();
        long reads = s.tenants().stream().filter(TenantProgress::readsOnTarget).count();
        long docs = s.tenants().stream().mapToLong(TenantProgress::copied).sum();
        out.printf("migration %d of %s: layout %d -> %d, state %s, read flag %s%n", s.id(), s.collection(), s.sourceLayout(),
                s.targetLayout(), s.state(), s.readFlag());
        out.printf("  backfill   %s tenants, %d documents copied%n", bar(copied, n), docs);
        out.printf("  validated  %s tenants%s%n", bar(validated, n), failed > 0 ? " (" + failed + " failed)" : "");
        out.printf("  reads      %s tenants on the new layout%n", bar(reads, n));
        out.printf("  outbox     %d writes waiting to be retried%n", s.outboxPending());
        if (perTenant) {
            ShellTable table = new ShellTable();
            table.column("Tenant");
            table.column("Backfill");
            table.column("Copied").alignRight();
            table.column("Validated");
            table.column("Source").alignRight();
            table.column("Target").alignRight();
            table.column("Reads");
            table.column("Detail").maxSize(80);
            for (TenantProgress t : s.tenants()) {
                table.addRow().addContent(t.tenant(), t.backfill(), t.copied(), t.validation(), t.sourceCount(), t.targetCount(),
                        t.readsOnTarget() ? "new" : "old", t.detail() == null ? "" : t.detail());
            }
            table.print(out);
        }
    }
}
