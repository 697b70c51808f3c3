package io.headroom.sharding.internal.shell;

import io.headroom.sharding.api.MoveStatus;
import io.headroom.sharding.api.TenantMoves;
import io.headroom.sharding.internal.core.MoveState;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "shard", name = "moves", description = "Moves and splits; with an id, one of them (--follow shows progress until it settles)")
@Service
public class MoveStatusCommand implements Action {
    @Reference
    TenantMoves moves;

    @Option(name = "--follow", aliases = "-f", description = "Show progress once a second until the move is cut over, cancelled or failed")
    boolean follow;

    @Argument(index = 0, name = "id", required = false, description = "Move id")
    @Completion(MoveIdCompleter.class)
    Long id;

    @Override
    public Object execute() throws Exception {
        if (id == null) {
            ShellTable t = new ShellTable();
            for (String c : new String[] {"Id", "Kind", "Subject", "From", "To", "State", "Copied", "Applied", "Replay lag", "Grace until", "Error"}) {
                t.column(c);
            }
            for (MoveStatus m : moves.list()) {
                t.addRow().addContent(m.id(), m.kind(), m.subject(), m.source(), String.join(",", m.targets()), m.state(), m.copiedRows(),
                        m.appliedEvents(), lag(m), m.graceUntil() == null ? "" : m.graceUntil(), m.error() == null ? "" : m.error());
            }
            t.print(System.out);
            return null;
        }
        if (follow) {
            follow(moves, id);
        } else {
            print(moves.status(id).orElseThrow(() -> new IllegalArgumentException("no move " + id)));
        }
        return null;
    }

    static void print(MoveStatus m) {
        System.out.println(line(m));
        if (m.verification() != null) {
            System.out.println("  verification: " + m.verification());
        }
        if (m.error() != null) {
            System.out.println("  last error: " + m.error());
        }
    }

    private static String line(MoveStatus m) {
        return m.kind() + " " + m.id() + " " + m.subject() + " " + m.source() + " -> " + String.join(",", m.targets()) + "  " + m.state()
                + "  copied " + m.copiedRows() + " rows, applied " + m.appliedEvents() + " binlog changes"
                + (m.replayLagBytes() == null && m.replayLagMillis() == null ? "" : ", replay behind " + lag(m))
                + (m.graceUntil() == null ? "" : "  source kept until " + m.graceUntil());
    }

    /** The replay lag as bytes and an age bound ({@code 1234 B, <= 2.1 s}), blank when not measured. */
    static String lag(MoveStatus m) {
        String bytes = m.replayLagBytes() == null ? "" : m.replayLagBytes() + " B";
        String age = m.replayLagMillis() == null ? "" : String.format(java.util.Locale.ROOT, "<= %.1f s", m.replayLagMillis() / 1000.0);
        return bytes.isEmpty() || age.isEmpty() ? bytes + age : bytes + ", " + age;
    }

    /** A progress line per second until the move settles (cut over, done, cancelled, reversed or failed). */
    static void follow(TenantMoves moves, long id) throws InterruptedException {
        while (true) {
            MoveStatus m = moves.status(id).orElseThrow(() -> new IllegalArgumentException("no move " + id));
            System.out.print("\r" + line(m) + "   ");
            System.out.flush();
            if (MoveState.valueOf(m.state()).settled()) {
                System.out.println();
                print(m);
                return;
            }
            Thread.sleep(1000);
        }
    }
}
