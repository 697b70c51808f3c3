package io.headroom.core.internal.load;

import io.headroom.core.api.load.LoadSpike;
import io.headroom.core.api.load.SpikeListener;
import java.util.HashMap;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

/** Posts tenant spikes on the EventAdmin topics io/headroom/load/SPIKE and .../SPIKE_ENDED; active only where EventAdmin is. */
@Component(service = SpikeListener.class)
public final class SpikeEvents implements SpikeListener {
    public static final String TOPIC = "io/headroom/load/";

    private final EventAdmin events;

    @Activate
    public SpikeEvents(@Reference EventAdmin events) {
        this.events = events;
    }

    @Override
    public void spike(LoadSpike s) {
        Map<String, Object> p = new HashMap<>();
        p.put("tenant", s.tenant());
        p.put("layer", s.layer());
        p.put("rate", s.rate());
        p.put("baseline", s.baseline());
        p.put("share", s.share());
        p.put("factor", s.factor());
        p.put("at", s.at().toString());
        events.postEvent(new Event(TOPIC + (s.ended() ? "SPIKE_ENDED" : "SPIKE"), p));
    }
}
