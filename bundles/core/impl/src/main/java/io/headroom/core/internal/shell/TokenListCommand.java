package io.headroom.core.internal.shell;

import io.headroom.core.api.auth.ApiTokens;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "headroom", name = "token-list", description = "Lists API tokens (never their secrets)")
@Service
public class TokenListCommand implements Action {
    @Reference
    ApiTokens tokens;

    @Option(name = "--all", aliases = "-a", description = "Include revoked tokens")
    boolean all;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        table.column("Id");
        table.column("Name");
        table.column("Scope");
        table.column("Tenant");
        table.column("Created");
        table.column("Revoked");
        tokens.list().stream().filter(t -> all || t.revokedAt() == null).forEach(t -> table.addRow().addContent(
                t.id(), t.name(), t.scope(), t.tenant() == null ? "" : t.tenant(), t.createdAt(),
                t.revokedAt() == null ? "" : t.revokedAt()));
        table.print(System.out);
        return null;
    }
}
