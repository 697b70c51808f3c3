package io.headroom.heartbeat.internal.release;

import io.headroom.heartbeat.internal.store.ReleaseStore;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.karaf.features.Feature;
import org.apache.karaf.features.FeaturesService;
import org.apache.karaf.features.Repository;
import org.osgi.framework.Version;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Karaf features as release units, named {@code feature:<name>}: what a features repository holds, what this node
 * has installed, and moving this node to one version through Karaf's features service (the new version installed
 * with {@code Upgrade}, which replaces the installed version of that name in one deployment, then any other version
 * of the name uninstalled; an empty version uninstalls the feature).
 */
final class FeatureUnits {
    static final String PREFIX = "feature:";

    /** A feature of a repository: its bundles' locations and the jobs they declare ({@code Headroom-Jobs}). */
    record Definition(String name, String version, List<String> bundles) {
    }

    private FeatureUnits() {
    }

    static boolean isFeature(String unit) {
        return unit.startsWith(PREFIX);
    }

    static String name(String unit) {
        return unit.substring(PREFIX.length());
    }

    /** A feature version as Karaf compares them ({@code 1.0-SNAPSHOT} is {@code 1.0.0.SNAPSHOT}). */
    static String normalize(String version) {
        String v = version.trim();
        int dash = v.indexOf('-');
        if (dash > 0) {
            String head = v.substring(0, dash);
            String[] parts = head.split("\\.");
            StringBuilder b = new StringBuilder(head);
            for (int i = parts.length; i < 3; i++) {
                b.append(".0");
            }
            v = b + "." + v.substring(dash + 1).replaceAll("[^A-Za-z0-9_-]", "_");
        }
        return Version.parseVersion(v).toString();
    }

    /** A features repository location every node can be asked to read. */
    static boolean acceptedSource(String source) {
        return source != null && source.length() <= 500
                && (source.startsWith("mvn:") || source.startsWith("file:") || source.startsWith("http:") || source.startsWith("https:"));
    }

    /** The feature {@code name} at {@code version} in the repository at {@code source}, read from this node. */
    static Optional<Definition> find(String source, String name, String version) throws Exception {
        Document doc;
        try (InputStream in = new URL(source).openStream()) {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            doc = b.parse(in);
        }
        NodeList features = doc.getElementsByTagNameNS("*", "feature");
        if (features.getLength() == 0) {
            features = doc.getElementsByTagName("feature");
        }
        for (int i = 0; i < features.getLength(); i++) {
            Element e = (Element) features.item(i);
            String v = e.getAttribute("version").isEmpty() ? "0.0.0" : e.getAttribute("version");
            if (!e.hasAttribute("name") || !name.equals(e.getAttribute("name")) || !normalize(v).equals(version)) {
                continue;
            }
            List<String> bundles = new ArrayList<>();
            NodeList children = e.getChildNodes();
            for (int j = 0; j < children.getLength(); j++) {
                if (children.item(j) instanceof Element c && "bundle".equals(c.getLocalName() != null ? c.getLocalName() : c.getTagName())) {
                    bundles.add(c.getTextContent().trim());
                }
            }
            return Optional.of(new Definition(name, version, bundles));
        }
        return Optional.empty();
    }

    /** The jobs the feature's bundles declare, each bundle read from this node. */
    static List<String> jobs(Definition d) throws Exception {
        Set<String> jobs = new LinkedHashSet<>();
        for (String location : d.bundles()) {
            try (JarInputStream in = new JarInputStream(new URL(location).openStream())) {
                Manifest m = in.getManifest();
                if (m != null) {
                    jobs.addAll(ReleaseStore.split(m.getMainAttributes().getValue("Headroom-Jobs")));
                }
            }
        }
        return List.copyOf(jobs);
    }

    /** The installed versions of the feature, highest first. */
    static List<String> installed(FeaturesService features, String name) throws Exception {
        return Arrays.stream(features.listInstalledFeatures()).filter(f -> name.equals(f.getName()))
                .map(f -> normalize(f.getVersion())).sorted((a, b) -> Version.parseVersion(b).compareTo(Version.parseVersion(a))).toList();
    }

    /** Uninstalls every installed version of the feature but {@code keep} (null: all). */
    private static void uninstallOthers(FeaturesService features, String name, String keep) throws Exception {
        for (Feature f : features.listInstalledFeatures()) {
            if (name.equals(f.getName()) && !normalize(f.getVersion()).equals(keep)) {
                features.uninstallFeature(name, f.getVersion(), EnumSet.noneOf(FeaturesService.Option.class));
            }
        }
    }

    /** The repository the installed feature came from, as the features service knows it ("" when it cannot tell). */
    static String source(FeaturesService features, String name, String version) throws Exception {
        for (Repository r : features.listRepositories()) {
            for (Feature f : r.getFeatures()) {
                if (name.equals(f.getName()) && normalize(f.getVersion()).equals(version) && r.getURI() != null) {
                    return r.getURI().toString();
                }
            }
        }
        return "";
    }

    /** Moves this node to {@code version} of the feature (empty: none) from the repository {@code source}. */
    static void apply(FeaturesService features, String name, String version, String source) throws Exception {
        List<String> installed = installed(features, name);
        if (version.isEmpty()) {
            uninstallOthers(features, name, null);
            return;
        }
        if (!installed.contains(version)) {
            if (!acceptedSource(source)) {
                throw new IllegalStateException("no features repository to install " + name + " " + version + " from ('" + source + "')");
            }
            URI repo = URI.create(source);
            if (features.getRepository(repo) == null) {
                features.addRepository(repo, false);
            }
            Feature f = features.getFeature(name, version);
            if (f == null) {
                throw new IllegalStateException("the repository " + source + " has no feature " + name + " " + version);
            }
            features.installFeature(name, f.getVersion(), EnumSet.of(FeaturesService.Option.Upgrade));
        }
        uninstallOthers(features, name, version);
        if (!installed(features, name).contains(version)) {
            throw new IllegalStateException("feature " + name + " " + version + " is not installed after its installation");
        }
    }
}
