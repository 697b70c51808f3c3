package io.headroom.core.internal.shell;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.TenantList;
import io.headroom.core.api.auth.ApiTokens;
import io.headroom.core.api.auth.TokenInfo;
import io.headroom.core.api.flags.FeatureFlags;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the tenants the core knows (those with a token, and those on a flag's allow or deny list), one or a comma-separated list. */
@Service
public class TenantCompleter implements Completer {
    @Reference
    ApiTokens tokens;

    @Reference
    FeatureFlags flags;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        TreeSet<String> tenants = new TreeSet<>();
        tokens.list().stream().map(TokenInfo::tenant).filter(Objects::nonNull).forEach(tenants::add);
        flags.list().stream().flatMap(f -> Stream.concat(f.allowed().stream(), f.denied().stream())).map(TenantId::value)
                .forEach(tenants::add);
        return new StringsCompleter(TenantList.completions(commandLine.getCursorArgument(), tenants)).complete(session, commandLine, candidates);
    }
}
