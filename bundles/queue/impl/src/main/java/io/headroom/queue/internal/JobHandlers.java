package io.headroom.queue.internal;

import io.headroom.queue.api.JobHandler;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.ComponentServiceObjects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job handlers of this node by job type. A handler bound through DS is got from its service when a job of its type
 * first runs, never while the queue binds it: a handler that needs a service that needs the queue (the helpdesk's
 * summary job needs its service, which submits jobs) made a cycle that failed the handler's activation on a node's
 * restart. A handler given directly (the benchmark driver) is kept as it is.
 */
final class JobHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(JobHandlers.class);

    /** Where a type's handler comes from. */
    private interface Source {
        /** The handler, or null when it cannot be had (its component cannot be activated). */
        JobHandler get();

        /** Gives the handler back, if it was got. */
        void release();

        /** Whether this is the handler of that service. */
        boolean isOf(ServiceReference<JobHandler> service);
    }

    /** A DS-bound handler, got at its first job. */
    private static final class Lazy implements Source {
        private final ComponentServiceObjects<JobHandler> objects;
        private JobHandler handler;

        Lazy(ComponentServiceObjects<JobHandler> objects) {
            this.objects = objects;
        }

        @Override
        public synchronized JobHandler get() {
            if (handler == null) {
                handler = objects.getService(); // null when the handler cannot be activated: no handler here
            }
            return handler;
        }

        @Override
        public synchronized void release() {
            if (handler != null) {
                objects.ungetService(handler);
                handler = null;
            }
        }

        @Override
        public boolean isOf(ServiceReference<JobHandler> service) {
            return objects.getServiceReference().equals(service);
        }
    }

    /** A handler given directly: nothing to get or give back, and no service unbinds it. */
    private record Given(JobHandler handler) implements Source {
        @Override
        public JobHandler get() {
            return handler;
        }

        @Override
        public void release() {
        }

        @Override
        public boolean isOf(ServiceReference<JobHandler> service) {
            return false;
        }
    }

    private final Map<String, Source> byType = new ConcurrentHashMap<>();

    void bind(ComponentServiceObjects<JobHandler> objects, Map<String, Object> props) {
        Object type = props.get(JobHandler.TYPE);
        if (type instanceof String t) {
            put(t, new Lazy(objects));
            LOG.info("queue: handler for job type {} is available", t);
        } else {
            LOG.error("queue: a JobHandler without the {} property was ignored (bundle {})", JobHandler.TYPE,
                    objects.getServiceReference().getBundle().getSymbolicName());
        }
    }

    void unbind(ComponentServiceObjects<JobHandler> objects, Map<String, Object> props) {
        Object type = props.get(JobHandler.TYPE);
        if (type instanceof String t) {
            byType.computeIfPresent(t, (k, h) -> {
                if (!h.isOf(objects.getServiceReference())) {
                    return h;
                }
                h.release();
                return null;
            });
        }
    }

    /** A handler given directly, without DS. */
    void put(String type, JobHandler handler) {
        put(type, new Given(handler));
    }

    private void put(String type, Source source) {
        Source replaced = byType.put(type, source);
        if (replaced != null) {
            replaced.release();
        }
    }

    /** The handler of a job type on this node, or null. */
    JobHandler get(String type) {
        Source h = byType.get(type);
        return h == null ? null : h.get();
    }

    boolean has(String type) {
        return byType.containsKey(type);
    }

    Set<String> types() {
        return byType.keySet();
    }
}
