package org.elasticsearch.node;

import java.util.List;
import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.ClasspathPluginsService;
import org.elasticsearch.plugins.PluginsLoader;
import org.elasticsearch.plugins.PluginsService;

/**
 * A real Elasticsearch node whose plugins are classes on the classpath instead of a distribution's modules/ and
 * plugins/ folders (none can be downloaded on these machines). It has to live in this package: the constructor that
 * accepts a NodeServiceProvider, and the provider's plugin hook, are package-private.
 */
public final class HeadroomNode extends Node {

    public HeadroomNode(Environment environment, List<Class<? extends Plugin>> plugins) {
        super(NodeConstruction.prepareConstruction(environment, emptyLoader(), new ClasspathPlugins(plugins), true));
    }

    private static PluginsLoader emptyLoader() {
        return ClasspathPluginsService.emptyLoader();
    }

    private static final class ClasspathPlugins extends NodeServiceProvider {
        private final List<Class<? extends Plugin>> plugins;

        ClasspathPlugins(List<Class<? extends Plugin>> plugins) {
            this.plugins = plugins;
        }

        @Override
        PluginsService newPluginService(Environment environment, PluginsLoader loader) {
            return new ClasspathPluginsService(environment.settings(), loader, plugins);
        }
    }
}
