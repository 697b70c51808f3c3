package io.headroom.itests.broken;

import io.headroom.core.api.rest.RestResource;
import io.headroom.core.api.signal.Signals;
import java.util.Hashtable;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/** Publishes the broken greeting resource where the example capability's lives. */
public class BrokenActivator implements BundleActivator {
    private ServiceRegistration<RestResource> registration;

    @Override
    public void start(BundleContext context) {
        Signals signals = context.getService(context.getServiceReference(Signals.class));
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(RestResource.PATH, "/example");
        registration = context.registerService(RestResource.class, new BrokenGreetingResource(signals), props);
    }

    @Override
    public void stop(BundleContext context) {
        registration.unregister();
    }
}
