package io.headroom.core.internal.audit;

import io.headroom.core.api.audit.AuditEntry;
import io.headroom.core.api.audit.AuditLog;
import java.security.AccessController;
import java.security.Principal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.security.auth.Subject;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.CommandSessionListener;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the Karaf shell commands that act on the platform (Headroom's scopes, and bundle, feature, config, kar and
 * system) in the audit log, whoever typed them and wherever (console, SSH), with their outcome; values of options
 * named like a secret, password, key or token are masked.
 *
 * <p>Karaf has no public hook for this: its command processor accepts Gogo session listeners, which this component
 * adds through the session factory's public {@code getCommandProcessor()} (found reflectively: the implementation
 * package is private). Where that is not available the component logs it once and the shell goes unaudited; REST
 * requests are audited by the REST host either way.
 */
@Component(immediate = true)
public final class ShellAudit implements CommandSessionListener {
    private static final Logger LOG = LoggerFactory.getLogger(ShellAudit.class);
    private static final Pattern COMMAND = Pattern.compile(
            "(?<![\\w:])((?:headroom|shard|search|queue|llm|heartbeat|example|bundle|feature|config|kar|system):[\\w-]+)");
    private static final Pattern SECRET = Pattern.compile(
            "(?i)(--?[\\w-]*(?:secret|password|passwd|key|token)[\\w-]*)(\\s*=\\s*|\\s+)(\"[^\"]*\"|'[^']*'|\\S+)");

    private final AuditLog audit;
    private final Object processor;

    @Activate
    public ShellAudit(@Reference AuditLog audit, @Reference SessionFactory sessions) {
        this.audit = audit;
        this.processor = call(sessions, "getCommandProcessor", null);
        if (processor == null || call(processor, "addListener", this) == null) {
            LOG.warn("audit: this Karaf's shell does not accept command listeners; shell commands are not audited");
        }
    }

    @Deactivate
    void deactivate() {
        if (processor != null) {
            call(processor, "removeListener", this);
        }
    }

    @Override
    public void beforeExecute(CommandSession session, CharSequence command) {
        // recorded with its outcome, after
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Exception exception) {
        record(session, command, "failed: " + (exception.getMessage() == null ? exception.getClass().getSimpleName() : exception.getMessage()));
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Object result) {
        record(session, command, "ok");
    }

    private void record(CommandSession session, CharSequence command, String outcome) {
        Matcher m = COMMAND.matcher(command);
        if (m.find()) {
            audit.record(AuditEntry.of(user(session), "shell", m.group(1), mask(command.toString().strip()), outcome, null));
        }
    }

    static String mask(String line) {
        return SECRET.matcher(line).replaceAll("$1$2***");
    }

    @SuppressWarnings("removal") // the JAAS subject Karaf runs a shell session's commands under
    private static String user(CommandSession session) {
        Subject subject = Subject.getSubject(AccessController.getContext());
        if (subject != null) {
            for (Principal p : subject.getPrincipals()) {
                if (p.getClass().getSimpleName().equals("UserPrincipal")) {
                    return p.getName();
                }
            }
        }
        Object user = session.get("USER");
        return user == null ? "unknown" : user.toString();
    }

    /** Calls a public one- or no-argument method by name; null when there is none or it failed. */
    private static Object call(Object target, String method, Object argument) {
        try {
            if (argument == null) {
                return target.getClass().getMethod(method).invoke(target);
            }
            target.getClass().getMethod(method, CommandSessionListener.class).invoke(target, argument);
            return Boolean.TRUE;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("audit: {}.{} failed: {}", target.getClass().getName(), method, e.toString());
            return null;
        }
    }
}
