package io.headroom.core.internal.auth;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At start: gives a distribution that has no operator yet one with a generated password (printed once on the
 * console), and warns loudly when a user with a fixed password can be reached from other machines (the REST API or
 * the SSH shell bound to a non-loopback address). See {@link OperatorAccount}.
 */
@Component(immediate = true)
public final class OperatorAccountCheck {
    private static final Logger LOG = LoggerFactory.getLogger(OperatorAccountCheck.class);

    @Activate
    public OperatorAccountCheck() {
        String etc = System.getProperty("karaf.etc");
        if (etc == null) {
            return;
        }
        Path dir = Path.of(etc);
        try {
            String generated = OperatorAccount.ensureOperator(dir.resolve("users.properties"));
            if (generated != null) {
                System.out.println("Headroom: generated the operator account (shown only this once; kept in etc/users.properties):"
                        + System.lineSeparator() + "  user: " + OperatorAccount.USER + "  password: " + generated);
                LOG.warn("generated a password for operator '{}' at first start; it was printed on the console once and is"
                        + " kept in etc/users.properties", OperatorAccount.USER);
            }
            String warning = warning(dir);
            if (warning != null) {
                LOG.error(warning);
                System.err.println(warning);
            }
        } catch (IOException e) {
            LOG.error("cannot check the operator accounts in {}/users.properties", etc, e);
        }
    }

    /**
     * The loud warning for a distribution's {@code etc}: users with a fixed or empty password while the REST API or the
     * SSH shell listens beyond loopback (an absent address means every interface); null when there is nothing to say.
     */
    static String warning(Path etc) throws IOException {
        List<String> fixed = OperatorAccount.fixedPasswords(etc.resolve("users.properties"));
        String http = property(etc.resolve("org.ops4j.pax.web.cfg"), "org.ops4j.pax.web.listening.addresses");
        String ssh = property(etc.resolve("org.apache.karaf.shell.cfg"), "sshHost");
        if (fixed.isEmpty() || OperatorAccount.loopback(http) && OperatorAccount.loopback(ssh)) {
            return null;
        }
        return "SECURITY: users " + fixed + " have a fixed or empty password and this node listens beyond"
                + " loopback (HTTP " + (http == null ? "all interfaces" : http) + ", SSH " + (ssh == null ? "all interfaces" : ssh)
                + "): anyone who can reach it can log in as an operator. Change the password (jaas:user-add) or bind"
                + " to 127.0.0.1.";
    }

    private static String property(Path file, String key) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            p.load(r);
        }
        String v = p.getProperty(key);
        return v == null ? null : v.trim();
    }
}
