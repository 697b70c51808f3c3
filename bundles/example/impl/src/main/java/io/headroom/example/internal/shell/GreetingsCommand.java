package io.headroom.example.internal.shell;

import io.headroom.example.api.Greetings;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "example", name = "greetings", description = "Lists the greetings tenants have set")
@Service
public class GreetingsCommand implements Action {
    @Reference
    Greetings greetings;

    @Option(name = "--limit", aliases = "-n", description = "How many tenants")
    int limit = 100;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        table.column("Tenant");
        table.column("Message");
        table.column("Updates").alignRight();
        greetings.list(limit).forEach(g -> table.addRow().addContent(g.tenant(), g.message(), g.updates()));
        table.print(System.out);
        return null;
    }
}
