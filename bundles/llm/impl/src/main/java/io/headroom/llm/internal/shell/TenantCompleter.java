package io.headroom.llm.internal.shell;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.TenantList;
import io.headroom.llm.api.LlmAdmin;
import io.headroom.llm.api.TenantQuota;
import io.headroom.llm.api.Usage;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the tenants the gateway knows: those with a quota override and those that made calls in the last week; one or a comma-separated list. */
@Service
public class TenantCompleter implements Completer {
    private static final int DAYS = 7;

    @Reference
    LlmAdmin admin;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        TreeSet<String> tenants = new TreeSet<>();
        admin.quotas().stream().map(TenantQuota::tenant).map(TenantId::value).forEach(tenants::add);
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        admin.usage(Optional.empty(), today.minusDays(DAYS - 1), today).stream().map(Usage::tenant).filter(Objects::nonNull)
                .map(TenantId::value).forEach(tenants::add);
        return new StringsCompleter(TenantList.completions(commandLine.getCursorArgument(), tenants)).complete(session, commandLine, candidates);
    }
}
