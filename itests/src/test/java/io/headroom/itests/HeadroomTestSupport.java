package io.headroom.itests;
import static org.junit.Assert.assertEquals;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.when;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.configureConsole;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.karafDistributionConfiguration;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.keepRuntimeFolder;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.logLevel;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.PrivilegedActionException;
import java.security.PrivilegedExceptionAction;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.inject.Inject;
import javax.security.auth.Subject;
import org.apache.karaf.jaas.boot.principal.RolePrincipal;
import org.apache.karaf.jaas.boot.principal.UserPrincipal;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.karaf.options.LogLevelOption;
import org.ops4j.pax.exam.options.extra.VMOption;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * What every itest needs: the built distribution on free ports, pointed at a real control schema, and helpers to
 * call the REST API and the shell from inside the container. Each test class boots Karaf once.
 */
public abstract class HeadroomTestSupport {
    protected static final String HTTP_PORT_PROPERTY = "headroom.it.http.port";
    protected static final String OPERATOR = basic("karaf", "karaf");

    @Inject
    protected BundleContext bundleContext;

    @Inject
    protected SessionFactory sessionFactory;

    protected final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The distribution with its control store at {@code jdbcUrl}. */
    protected static Option[] distribution(String jdbcUrl) {
        String karafVersion = System.getProperty("karaf.version");
        int httpPort = freePort();
        return new Option[] {
            karafDistributionConfiguration()
                    .frameworkUrl("file:" + System.getProperty("headroom.distribution"))
                    .unpackDirectory(new File("target/exam"))
                    .useDeployFolder(false)
                    .name("Headroom"),
            configureConsole().ignoreLocalConsole(),
            when(Boolean.getBoolean("headroom.keepKaraf")).useOptions(keepRuntimeFolder()), // to read data/log/karaf.log after a run
            logLevel(LogLevelOption.LogLevel.INFO),
            editConfigurationFilePut("etc/org.ops4j.pax.web.cfg", "org.osgi.service.http.port", String.valueOf(httpPort)),
            editConfigurationFilePut("etc/org.apache.karaf.shell.cfg", "sshPort", String.valueOf(freePort())),
            // the distribution has no fixed operator (it generates one at first start); tests log in as karaf/karaf on loopback
            editConfigurationFilePut("etc/users.properties", "karaf", "karaf,_g_:admingroup"),
            editConfigurationFilePut("etc/org.apache.karaf.management.cfg", "rmiRegistryPort", String.valueOf(freePort())),
            editConfigurationFilePut("etc/org.apache.karaf.management.cfg", "rmiServerPort", String.valueOf(freePort())),
            editConfigurationFilePut("etc/io.headroom.store.cfg", "url", jdbcUrl),
            // every capability's dependencies are there, so the node can report UP (search's readiness asks Elasticsearch)
            editConfigurationFilePut("etc/io.headroom.search.cfg", "endpoints", TestDatabases.elasticsearch().endpoint()),
            systemProperty(HTTP_PORT_PROPERTY).value(String.valueOf(httpPort)),
            // the probe waits this long for Pax Exam's invoker, which the features install starts last: 10 s (the
            // default) is not always enough on a loaded 2-core machine
            systemProperty("org.ops4j.pax.exam.raw.extender.intern.Parser.DEFAULT_TIMEOUT").value("120000"),
            // and this long for the services a test injects, which start once the control store has answered (the name
            // Pax Exam 4 reads in ServiceInjector; its default is 10 s)
            systemProperty("pax.exam.service.timeout").value("120000"),
            // Pax Exam does not add the JDK 9+ module flags that bin/karaf passes
            new VMOption("--add-reads=java.xml=java.logging"),
            new VMOption("--add-exports=java.base/org.apache.karaf.specs.locator=java.xml,ALL-UNNAMED"),
            new VMOption("--patch-module"),
            new VMOption("java.base=lib/endorsed/org.apache.karaf.specs.locator-" + karafVersion + ".jar"),
            new VMOption("--patch-module"),
            new VMOption("java.xml=lib/endorsed/org.apache.karaf.specs.java.xml-" + karafVersion + ".jar"),
            new VMOption("--add-opens"), new VMOption("java.base/java.security=ALL-UNNAMED"),
            new VMOption("--add-opens"), new VMOption("java.base/java.net=ALL-UNNAMED"),
            new VMOption("--add-opens"), new VMOption("java.base/java.lang=ALL-UNNAMED"),
            new VMOption("--add-opens"), new VMOption("java.base/java.util=ALL-UNNAMED"),
            new VMOption("--add-opens"), new VMOption("java.naming/javax.naming.spi=ALL-UNNAMED"),
            new VMOption("--add-opens"), new VMOption("java.rmi/sun.rmi.transport.tcp=ALL-UNNAMED"),
            new VMOption("--add-exports=java.base/sun.net.www.protocol.file=ALL-UNNAMED"),
            new VMOption("--add-exports=java.base/sun.net.www.protocol.http=ALL-UNNAMED"),
            new VMOption("--add-exports=java.base/sun.net.www.protocol.https=ALL-UNNAMED"),
            new VMOption("--add-exports=java.base/sun.net.www.protocol.jar=ALL-UNNAMED"),
            new VMOption("--add-exports=java.base/sun.net.www.content.text=ALL-UNNAMED"),
            new VMOption("--add-exports=jdk.naming.rmi/com.sun.jndi.url.rmi=ALL-UNNAMED"),
            new VMOption("--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED"),
            new VMOption("-classpath"),
            new VMOption("lib/jdk9plus/*" + File.pathSeparator + "lib/boot/*"),
            new VMOption("-Xmx512m"),
        };
    }

    /**
     * A port free now, taken below the kernel's ephemeral range (32768-60999 on Linux): a port from that range can be
     * handed to an outgoing connection in the seconds before the server that was given it binds it (a whole Karaf boot),
     * and the server then fails to listen. Random, so that ports picked one after the other before any is bound differ.
     */
    protected static int freePort() {
        for (int i = 0; i < 500; i++) {
            int port = 20_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(12_000);
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new java.net.InetSocketAddress(port));
                return port;
            } catch (IOException taken) {
                // in use: another
            }
        }
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    protected static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    protected static String bearer(String token) {
        return "Bearer " + token;
    }

    protected String api(String path) {
        return "http://127.0.0.1:" + System.getProperty(HTTP_PORT_PROPERTY) + "/api" + path;
    }

    protected HttpResponse<String> call(String method, String path, String authorization, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api(path))).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        b.header("X-Requested-By", "headroom-itest"); // what a script sends: a cross-site form cannot (see SecurityIT)
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    protected HttpResponse<String> get(String path, String authorization) throws Exception {
        return call("GET", path, authorization, null);
    }

    /** Polls until the condition holds, for at most 40 s; false if it never did. */
    protected static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 40_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    /**
     * Waits until the node reports UP: Karaf's boot features installed, every capability active with all its components
     * satisfied (they start once the control store answered, after Karaf's boot), and the control store answering.
     */
    protected void awaitUp() throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        String last = "-";
        while (System.currentTimeMillis() < deadline) {
            try {
                HttpResponse<String> r = get("/health", null);
                last = r.statusCode() + " " + r.body();
                if (r.statusCode() == 200 && r.body().equals("{\"status\":\"UP\"}")) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the node never reported UP; last answer: " + last + "; details: "
                + get("/health", OPERATOR).body());
    }

    /** Waits until the endpoint answers with the expected status: the servlet can be up before the resource is. */
    protected void awaitStatus(String path, String authorization, int status) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        HttpResponse<String> last = null;
        IOException failure = null;
        while (System.currentTimeMillis() < deadline) {
            try {
                last = get(path, authorization);
                if (last.statusCode() == status) {
                    return;
                }
            } catch (IOException e) {
                failure = e; // not listening yet
            }
            Thread.sleep(200);
        }
        assertEquals("GET " + path + " never answered " + status + "; last body: " + (last == null ? "-" : last.body())
                + "; last failure: " + failure, status, last == null ? -1 : last.statusCode());
    }

    protected Bundle bundle(String symbolicName) {
        for (Bundle b : bundleContext.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + symbolicName);
    }

    /**
     * The sum of the node's samples of metric {@code name} (as scraped from /api/metrics) whose labels contain every
     * fragment (e.g. {@code shard="s2"}); NaN when there is none.
     */
    protected double metric(String name, String... fragments) throws Exception {
        double sum = Double.NaN;
        for (String line : get("/metrics", OPERATOR).body().split("\n")) {
            if (!(line.startsWith(name + "{") || line.startsWith(name + " "))) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            String series = line.substring(0, space);
            if (java.util.Arrays.stream(fragments).allMatch(series::contains)) {
                sum = (Double.isNaN(sum) ? 0 : sum) + Double.parseDouble(line.substring(space + 1));
            }
        }
        return sum;
    }

    /** Runs a shell command as an operator and returns what it printed; a failing command throws. */
    protected String shell(String command) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        Session session = sessionFactory.create(System.in, print, print);
        Subject subject = new Subject();
        subject.getPrincipals().add(new UserPrincipal("karaf"));
        subject.getPrincipals().add(new RolePrincipal("admin"));
        try {
            Subject.doAs(subject, (PrivilegedExceptionAction<Object>) () -> session.execute(command));
        } catch (PrivilegedActionException e) {
            throw e.getException();
        } finally {
            print.flush();
            session.close();
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * What the shell offers when Tab is pressed at the end of {@code line} (a command and its words so far, the last one
     * being completed), through the command's own completer as a console would ask it.
     */
    protected java.util.List<String> completions(String line) throws Exception {
        String[] words = line.split(" ", -1);
        String[] scopeName = words[0].split(":");
        org.apache.karaf.shell.api.console.Command command = sessionFactory.getRegistry().getCommand(scopeName[0], scopeName[1]);
        if (command == null) {
            throw new AssertionError("no command " + words[0]);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        Session session = sessionFactory.create(System.in, print, print);
        try {
            java.util.List<String> candidates = new java.util.ArrayList<>();
            command.getCompleter(true).complete(session, new org.apache.karaf.shell.support.parsing.CommandLineImpl(words,
                    words.length - 1, words[words.length - 1].length(), line.length(), line), candidates);
            return candidates.stream().map(String::trim).toList();
        } finally {
            session.close();
        }
    }

    /** A bundle jar built in the test from classes of the probe, with the given manifest headers. */
    protected static byte[] bundleJar(Map<String, String> headers, Class<?>... classes) throws Exception {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
        headers.forEach(m.getMainAttributes()::putValue);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes, m)) {
            for (Class<?> c : classes) {
                String name = c.getName().replace('.', '/') + ".class";
                jar.putNextEntry(new JarEntry(name));
                try (InputStream in = c.getClassLoader().getResourceAsStream(name)) {
                    in.transferTo(jar);
                }
                jar.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** A JSON string field of a small JSON document, without a JSON library in the probe. */
    protected static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        if (!m.find()) {
            throw new AssertionError("no field " + name + " in " + json);
        }
        return m.group(1);
    }

    /**
     * Sends {@code head} and then up to {@code size} bytes of body on one connection while reading the answer; returns
     * the answer (what was read before the server closed), with {@code accepted[0]} the body bytes the server took.
     */
    protected static String refusedUpload(String head, boolean chunked, long size, long[] accepted) throws Exception {
        try (Socket s = new Socket()) {
            s.setSendBufferSize(16 * 1024);
            s.connect(new java.net.InetSocketAddress("127.0.0.1", Integer.parseInt(System.getProperty(HTTP_PORT_PROPERTY))));
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write((head + "\r\nHost: 127.0.0.1\r\n" + (chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + size)
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
            Thread writer = new Thread(() -> {
                byte[] chunk = new byte[64 * 1024];
                java.util.Arrays.fill(chunk, (byte) ' ');
                chunk[0] = '{';
                byte[] size64k = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                try {
                    for (long sent = 0; sent < size; sent += chunk.length) {
                        if (chunked) {
                            out.write(size64k);
                        }
                        out.write(chunk);
                        written.addAndGet(chunk.length);
                        if (chunked) {
                            out.write('\r');
                            out.write('\n');
                        }
                        chunk[0] = ' ';
                    }
                    out.flush();
                } catch (java.io.IOException closed) {
                    // the server closed the connection: what we count is what it took before
                }
            }, "refused-upload");
            writer.setDaemon(true);
            writer.start();
            java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    answer.write(buf, 0, n);
                }
            } catch (java.io.IOException reset) {
                // a connection closed over unread bytes is reset: the answer came before
            }
            writer.join(20_000); // a server that neither reads nor closes leaves the writer blocked: counted as it is
            accepted[0] = written.get();
            return answer.toString(StandardCharsets.US_ASCII);
        }
    }
}
