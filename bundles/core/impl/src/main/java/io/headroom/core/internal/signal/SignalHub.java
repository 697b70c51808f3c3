package io.headroom.core.internal.signal;

import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.SignalListener;
import io.headroom.core.api.signal.Signals;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Fans signals out to the installed listeners, if any; a failing listener never reaches the reporter. */
@Component(service = Signals.class)
public final class SignalHub implements Signals {
    private static final Logger LOG = LoggerFactory.getLogger(SignalHub.class);

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    private final List<SignalListener> listeners = new CopyOnWriteArrayList<>();

    @Override
    public void outcome(OutcomeEvent event) {
        for (SignalListener l : listeners) {
            try {
                l.onOutcome(event);
            } catch (RuntimeException e) {
                LOG.warn("signal listener {} failed on an outcome: {}", l.getClass().getName(), e.toString());
            }
        }
    }

    @Override
    public void load(LoadSample sample) {
        for (SignalListener l : listeners) {
            try {
                l.onLoad(sample);
            } catch (RuntimeException e) {
                LOG.warn("signal listener {} failed on a load sample: {}", l.getClass().getName(), e.toString());
            }
        }
    }
}
