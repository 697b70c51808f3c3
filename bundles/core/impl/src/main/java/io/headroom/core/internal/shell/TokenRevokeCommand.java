package io.headroom.core.internal.shell;

import io.headroom.core.api.auth.ApiTokens;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "headroom", name = "token-revoke", description = "Revokes an API token; every node refuses it within seconds")
@Service
public class TokenRevokeCommand implements Action {
    @Reference
    ApiTokens tokens;

    @Argument(index = 0, name = "id", required = true, description = "Token id, as token-list shows it")
    @Completion(TokenIdCompleter.class)
    String id;

    @Override
    public Object execute() {
        if (!tokens.revoke(id)) {
            throw new IllegalArgumentException("no active token with id " + id);
        }
        System.out.println("revoked " + id);
        return null;
    }
}
