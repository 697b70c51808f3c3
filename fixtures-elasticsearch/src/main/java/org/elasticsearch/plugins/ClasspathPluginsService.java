package org.elasticsearch.plugins;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.elasticsearch.common.settings.Settings;

/** Plugins given as classes on the classpath (LoadedPlugin is package-private, hence this package). */
public final class ClasspathPluginsService extends PluginsService {
    private final List<LoadedPlugin> loaded = new ArrayList<>();

    /** No module or plugin bundles: the real factory needs ES's own module layer, which a classpath has not. */
    public static PluginsLoader emptyLoader() {
        return new PluginsLoader(java.util.Set.of(), java.util.Set.of(), java.util.Map.of());
    }

    public ClasspathPluginsService(Settings settings, PluginsLoader loader, List<Class<? extends Plugin>> classes) {
        super(settings, null, loader);
        for (Class<? extends Plugin> c : classes) {
            Plugin instance;
            try {
                instance = c.getDeclaredConstructor().newInstance();
            } catch (NoSuchMethodException e) {
                try {
                    instance = c.getDeclaredConstructor(Settings.class, Path.class).newInstance(settings, null);
                } catch (ReflectiveOperationException e2) {
                    throw new IllegalStateException("cannot create plugin " + c.getName(), e2);
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot create plugin " + c.getName(), e);
            }
            PluginDescriptor d = new PluginDescriptor(c.getSimpleName(), "classpath plugin", "0.0.0",
                    org.elasticsearch.Build.current().version(), "17", c.getName(), null, List.of(), false, false, false, false);
            loaded.add(new LoadedPlugin(d, instance, c.getClassLoader()));
        }
        loadExtensions(loaded);
    }

    @Override
    protected List<LoadedPlugin> plugins() {
        return loaded;
    }
}
