package io.headroom.core.internal.signal;

import static org.junit.Assert.assertEquals;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.signal.LoadSample;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.SignalListener;
import java.lang.reflect.Field;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

public class SignalHubTest {
    private static final OutcomeEvent OUTCOME = new OutcomeEvent(TenantId.of("acme"), "queue.job", true, 12, Instant.now());
    private static final LoadSample LOAD = new LoadSample(TenantId.of("acme"), "sharding", "shard-1", 3, Instant.now());

    @SuppressWarnings("unchecked")
    private static List<SignalListener> listeners(SignalHub hub) throws Exception {
        Field f = SignalHub.class.getDeclaredField("listeners");
        f.setAccessible(true);
        return (List<SignalListener>) f.get(hub);
    }

    @Test
    public void withNoListenerReportingIsANoOp() {
        SignalHub hub = new SignalHub();
        hub.outcome(OUTCOME);
        hub.load(LOAD);
    }

    @Test
    public void everyListenerGetsEverySignalEvenWhenOneThrows() throws Exception {
        SignalHub hub = new SignalHub();
        List<Object> seen = new ArrayList<>();
        listeners(hub).add(new SignalListener() {
            @Override
            public void onOutcome(OutcomeEvent event) {
                throw new IllegalStateException("broken listener");
            }
        });
        listeners(hub).add(new SignalListener() {
            @Override
            public void onOutcome(OutcomeEvent event) {
                seen.add(event);
            }

            @Override
            public void onLoad(LoadSample sample) {
                seen.add(sample);
            }
        });
        hub.outcome(OUTCOME);
        hub.load(LOAD);
        assertEquals(List.of(OUTCOME, LOAD), seen);
    }
}
