package io.headroom.heartbeat.internal.release;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Reading a feature of a features repository, and feature versions as Karaf compares them. */
public class FeatureUnitsTest {
    @Rule
    public TemporaryFolder dir = new TemporaryFolder();

    private Path bundle(String name, String jobs) throws Exception {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().putValue("Bundle-SymbolicName", "t." + name);
        if (jobs != null) {
            m.getMainAttributes().putValue("Headroom-Jobs", jobs);
        }
        Path p = dir.getRoot().toPath().resolve(name + ".jar");
        try (OutputStream out = Files.newOutputStream(p); JarOutputStream jar = new JarOutputStream(out, m)) {
            jar.flush();
        }
        return p;
    }

    @Test
    public void findsTheFeatureAtItsVersionAndTheJobsItsBundlesDeclare() throws Exception {
        Path a = bundle("a", "x.one, x.two");
        Path b = bundle("b", null);
        Path c = bundle("c", "x.three");
        Path xml = dir.getRoot().toPath().resolve("features.xml");
        Files.writeString(xml, "<?xml version=\"1.0\"?>\n<features name=\"t\" xmlns=\"http://karaf.apache.org/xmlns/features/v1.6.0\">"
                + "<feature name=\"demo\" version=\"1.0.0\"><bundle>" + c.toUri() + "</bundle></feature>"
                + "<feature name=\"demo\" version=\"2.0-SNAPSHOT\"><bundle start-level=\"80\">" + a.toUri() + "</bundle>"
                + "<bundle>" + b.toUri() + "</bundle><feature>other</feature></feature>"
                + "<feature name=\"other\"><bundle>" + b.toUri() + "</bundle></feature></features>");
        String source = xml.toUri().toString();
        FeatureUnits.Definition two = FeatureUnits.find(source, "demo", FeatureUnits.normalize("2.0-SNAPSHOT")).orElseThrow();
        assertEquals(List.of(a.toUri().toString(), b.toUri().toString()), two.bundles());
        assertEquals(List.of("x.one", "x.two"), FeatureUnits.jobs(two));
        assertEquals(List.of("x.three"), FeatureUnits.jobs(FeatureUnits.find(source, "demo", "1.0.0").orElseThrow()));
        assertTrue("no such version", FeatureUnits.find(source, "demo", "3.0.0").isEmpty());
        assertTrue("a feature without a version is 0.0.0", FeatureUnits.find(source, "other", "0.0.0").isPresent());
    }

    @Test
    public void versionsAreComparedAsKarafCleansThem() {
        assertEquals("2.0.0.SNAPSHOT", FeatureUnits.normalize("2.0-SNAPSHOT"));
        assertEquals("1.2.3", FeatureUnits.normalize("1.2.3"));
        assertEquals("0.1.0.SNAPSHOT", FeatureUnits.normalize("0.1.0-SNAPSHOT"));
        assertTrue(FeatureUnits.isFeature("feature:demo"));
        assertFalse(FeatureUnits.isFeature("io.headroom.example"));
        assertTrue(FeatureUnits.acceptedSource("mvn:io.headroom/headroom-features/0.1.0/xml/features"));
        assertFalse(FeatureUnits.acceptedSource("jar:file:/x!/y"));
    }

    @Test
    public void aRepositoryWithADoctypeIsNotRead() throws Exception {
        Path xml = dir.getRoot().toPath().resolve("evil.xml");
        Files.writeString(xml, "<?xml version=\"1.0\"?><!DOCTYPE f [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                + "<features><feature name=\"demo\" version=\"1.0.0\"><bundle>&x;</bundle></feature></features>");
        try {
            FeatureUnits.find(xml.toUri().toString(), "demo", "1.0.0");
            org.junit.Assert.fail("a DOCTYPE is refused");
        } catch (org.xml.sax.SAXParseException expected) {
            // no external entity is read
        }
    }
}
