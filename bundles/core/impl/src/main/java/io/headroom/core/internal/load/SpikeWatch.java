package io.headroom.core.internal.load;

import io.headroom.core.api.load.LoadSpike;
import io.headroom.core.api.load.TenantLayerLoad;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns successive views into spike starts and ends: a (tenant, layer) reported once when it starts spiking and once
 * when it stops, not at every evaluation. Not thread-safe: one evaluating thread. Pure.
 */
final class SpikeWatch {
    private Map<String, TenantLayerLoad> open = new HashMap<>();

    List<LoadSpike> next(LoadView view, Instant now) {
        Map<String, TenantLayerLoad> spiking = new HashMap<>();
        for (TenantLayerLoad l : view.spiking()) {
            spiking.put(l.layer() + "\n" + l.tenant(), l);
        }
        List<LoadSpike> out = new ArrayList<>();
        double factor = view.rule().factor();
        spiking.forEach((key, l) -> {
            if (!open.containsKey(key)) {
                out.add(new LoadSpike(l.tenant(), l.layer(), l.rate(), l.baseline(), l.share(), factor, false, now));
            }
        });
        open.forEach((key, was) -> {
            if (!spiking.containsKey(key)) {
                TenantLayerLoad l = view.tenant(was.tenant()).stream().filter(x -> x.layer().equals(was.layer())).findFirst().orElse(null);
                out.add(new LoadSpike(was.tenant(), was.layer(), l == null ? 0 : l.rate(), l == null ? was.baseline() : l.baseline(),
                        l == null ? 0 : l.share(), factor, true, now));
            }
        });
        open = spiking;
        return out;
    }

    /** Forgets what was open (this node stopped evaluating: the next evaluator reports afresh). */
    void reset() {
        open = new HashMap<>();
    }
}
