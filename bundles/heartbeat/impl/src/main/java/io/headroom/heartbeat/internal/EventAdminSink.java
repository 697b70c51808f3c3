package io.headroom.heartbeat.internal;

import io.headroom.heartbeat.api.Alert;
import io.headroom.heartbeat.api.AlertSink;
import java.util.HashMap;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

/** Posts alerts on EventAdmin topics io/headroom/heartbeat/alert/FIRED and .../RESOLVED; active only where EventAdmin is. */
@Component(service = AlertSink.class)
public final class EventAdminSink implements AlertSink {
    public static final String TOPIC = "io/headroom/heartbeat/alert/";

    private final EventAdmin events;

    @Activate
    public EventAdminSink(@Reference EventAdmin events) {
        this.events = events;
    }

    @Override
    public void fired(Alert alert) {
        events.postEvent(new Event(TOPIC + "FIRED", properties(alert)));
    }

    @Override
    public void resolved(Alert alert) {
        events.postEvent(new Event(TOPIC + "RESOLVED", properties(alert)));
    }

    private static Map<String, Object> properties(Alert a) {
        Map<String, Object> p = new HashMap<>();
        p.put("id", a.id());
        p.put("tenant", a.tenant() == null ? "" : a.tenant());
        p.put("job", a.job());
        p.put("severity", a.severity());
        p.put("rule", a.rule());
        p.put("longBurn", a.longBurn());
        p.put("shortBurn", a.shortBurn());
        return p;
    }
}
