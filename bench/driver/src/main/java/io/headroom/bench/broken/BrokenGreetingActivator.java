package io.headroom.bench.broken;

import io.headroom.core.api.rest.RestResource;
import io.headroom.core.api.signal.Signals;
import java.util.Hashtable;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * The activator of a broken version of the example capability that ReleaseBench releases (packed into a jar by the
 * bench, never loaded by it): publishes the failing greeting resource where the example's lives.
 */
public class BrokenGreetingActivator implements BundleActivator {
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
