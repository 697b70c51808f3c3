package io.headroom.core.internal.auth;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The start-up check of etc/users.properties against the addresses the node listens on. */
public class OperatorAccountCheckTest {
    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private Path etc(String users, String httpAddresses, String sshHost) throws Exception {
        Path etc = folder.newFolder().toPath();
        Files.writeString(etc.resolve("users.properties"), users, StandardCharsets.ISO_8859_1);
        if (httpAddresses != null) {
            Files.writeString(etc.resolve("org.ops4j.pax.web.cfg"), "org.osgi.service.http.port = 8181\n"
                    + "org.ops4j.pax.web.listening.addresses = " + httpAddresses + "\n");
        }
        if (sshHost != null) {
            Files.writeString(etc.resolve("org.apache.karaf.shell.cfg"), "sshPort = 8101\nsshHost = " + sshHost + "\n");
        }
        return etc;
    }

    @Test
    public void aFixedPasswordOnAnOpenAddressIsALoudWarning() throws Exception {
        String w = OperatorAccountCheck.warning(etc("karaf = karaf,_g_:admingroup\n", "0.0.0.0", "127.0.0.1"));
        assertNotNull(w);
        assertTrue(w, w.startsWith("SECURITY: users [karaf] have a fixed or empty password"));
        assertTrue(w, w.contains("HTTP 0.0.0.0, SSH 127.0.0.1"));
        // only SSH open is enough
        assertNotNull(OperatorAccountCheck.warning(etc("karaf = karaf,_g_:admingroup\n", "127.0.0.1", "0.0.0.0")));
    }

    @Test
    public void anAbsentAddressMeansEveryInterface() throws Exception {
        String w = OperatorAccountCheck.warning(etc("ops = ,admin\n", null, null));
        assertNotNull(w);
        assertTrue(w, w.contains("[ops]") && w.contains("HTTP all interfaces, SSH all interfaces"));
    }

    @Test
    public void loopbackOrRealPasswordsSayNothing() throws Exception {
        assertNull(OperatorAccountCheck.warning(etc("karaf = karaf,_g_:admingroup\n", "127.0.0.1", "localhost")));
        assertNull(OperatorAccountCheck.warning(etc("karaf = k7Qm2xVb9TzR4wNpLc8H,_g_:admingroup\n"
                + "_g_\\:admingroup = group,admin,manager\n", "0.0.0.0", "0.0.0.0")));
    }

    @Test
    public void fixedMeansEmptyTheUsersNameOrKarafAndGroupsAreNotUsers() throws Exception {
        Path etc = etc("karaf = karaf,_g_:admingroup\nalice = alice,admin\nbob = ,admin\ncarol = s3cret-Long-enough,admin\n"
                + "_g_\\:admingroup = group,admin\n", "0.0.0.0", "0.0.0.0");
        assertEquals(List.of("alice", "bob", "karaf"), OperatorAccount.fixedPasswords(etc.resolve("users.properties")));
        assertTrue(OperatorAccountCheck.warning(etc).contains("[alice, bob, karaf]"));
    }

    @Test
    public void aFirstStartGetsAGeneratedPasswordKeptAndNoWarning() throws Exception {
        Path etc = etc("# karaf = karaf,_g_:admingroup\n", "0.0.0.0", "0.0.0.0");
        Path users = etc.resolve("users.properties");
        String generated = OperatorAccount.ensureOperator(users);
        assertNotNull(generated);
        assertEquals(20, generated.length());
        assertNull(OperatorAccountCheck.warning(etc));
        assertNull("kept: not generated again", OperatorAccount.ensureOperator(users));
        assertTrue(Files.readString(users, StandardCharsets.ISO_8859_1).contains("karaf = " + generated + ",_g_:admingroup"));
    }

    @Test
    public void loopbackMeansEveryListedAddressIsLoopback() {
        assertTrue(OperatorAccount.loopback("127.0.0.1"));
        assertTrue(OperatorAccount.loopback("localhost, ::1, [::1], 127.0.1.1"));
        assertFalse(OperatorAccount.loopback("127.0.0.1,0.0.0.0"));
        assertFalse(OperatorAccount.loopback(""));
        assertFalse(OperatorAccount.loopback(null));
    }
}
