package io.headroom.heartbeat.internal.rest;

import io.headroom.heartbeat.api.JobHealth;

/** JSON shapes of the heartbeat API: burn rates are null, not NaN, where a window had no events. */
final class Views {
    private Views() {
    }

    record Health(String tenant, String job, long events1h, long bad1h, Double burn5m, Double burn1h, Double burn6h,
                  Double burn3d, boolean paging) {
        static Health of(JobHealth h) {
            return new Health(h.tenant(), h.job(), h.events1h(), h.bad1h(), n(h.burn5m()), n(h.burn1h()), n(h.burn6h()),
                    n(h.burn3d()), h.paging());
        }
    }

    static Double n(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
