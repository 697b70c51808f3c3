package io.headroom.itests.hot;

import io.headroom.queue.api.JobHandler;
import java.util.Hashtable;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** Registers the file-writing handler for job type hot.write. */
public class HandlerActivator implements BundleActivator {
    @Override
    public void start(BundleContext context) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(JobHandler.TYPE, "hot.write");
        context.registerService(JobHandler.class, new FileWritingHandler(), props);
    }

    @Override
    public void stop(BundleContext context) {
        // the framework unregisters the service
    }
}
