package io.headroom.core.internal.shell;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.auth.ApiTokens;
import io.headroom.core.api.auth.IssuedToken;
import io.headroom.core.api.auth.TokenScope;
import java.util.Set;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "headroom", name = "token-create", description = "Creates an API token for one tenant or for platform scope; the secret is shown once")
@Service
public class TokenCreateCommand implements Action {
    @Reference
    ApiTokens tokens;

    @Argument(index = 0, name = "name", required = true, description = "What the token is for, e.g. billing-service")
    String name;

    @Option(name = "--tenant", aliases = "-t", description = "Bind the token to this tenant")
    @Completion(TenantCompleter.class)
    String tenant;

    @Option(name = "--platform", description = "Platform scope: the token reaches every tenant")
    boolean platform;

    @Option(name = "--read-only", description = "The token may only read (GET)")
    boolean readOnly;

    @Option(name = "--capabilities", description = "The token reaches only these capabilities' paths, e.g. llm,queue")
    String capabilities;

    @Override
    public Object execute() {
        if (platform == (tenant != null)) {
            throw new IllegalArgumentException("give exactly one of --tenant <id> or --platform");
        }
        TokenScope scope = new TokenScope(readOnly, capabilities == null ? Set.of()
                : Set.of(capabilities.split("\\s*,\\s*")));
        IssuedToken issued = tokens.create(name, platform ? null : TenantId.of(tenant), scope);
        System.out.println("id:     " + issued.info().id());
        System.out.println("scope:  " + (platform ? "platform" : "tenant " + tenant) + (scope.restricted() ? " (" + scope.text() + ")" : ""));
        System.out.println("token:  " + issued.token());
        System.out.println("Store the token now: only its hash is kept.");
        return null;
    }
}
