package io.headroom.sharding.internal.shell;

import io.headroom.sharding.api.ShardAdmin;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs {@code shard:list} outside the shell, for tests of other packages: what it prints. */
public final class ListCommandAccess {
    private ListCommandAccess() {
    }

    public static synchronized String print(ShardAdmin admin) {
        ListCommand command = new ListCommand();
        command.admin = admin;
        PrintStream out = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            command.execute();
        } finally {
            System.setOut(out);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
