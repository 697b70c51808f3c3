package io.headroom.heartbeat.internal.rest;

import io.headroom.heartbeat.api.Alert;
import io.headroom.heartbeat.api.JobHealth;
import io.headroom.heartbeat.api.Slo;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The status page: the platform's heartbeat per job and the worst tenants at a glance; refreshes itself. */
final class StatusPage {
    private StatusPage() {
    }

    static String render(List<JobHealth> platform, List<JobHealth> worst, List<Alert> firing, Map<String, Slo> slos) {
        // the platform pages on platform-wide alerts only; a tenant's page is that tenant's, shown apart
        boolean paging = firing.stream().anyMatch(a -> a.severity().equals(Alert.PAGE) && a.tenant() == null);
        List<String> tenantPages = firing.stream().filter(a -> a.severity().equals(Alert.PAGE) && a.tenant() != null)
                .map(Alert::tenant).distinct().sorted().toList();
        StringBuilder b = new StringBuilder(8192);
        b.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"30\">")
                .append("<title>Headroom heartbeat</title><style>")
                .append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin-bottom:2em}")
                .append("th,td{padding:.35em .8em;border-bottom:1px solid #ddd;text-align:left}td.n{text-align:right}")
                .append(".ok{color:#137333}.bad{color:#c5221f;font-weight:bold}.state{font-size:1.4em}")
                .append("</style></head><body><h1>Headroom heartbeat</h1>")
                .append("<p class=\"state\">Platform: <span id=\"overall\" class=\"").append(paging ? "bad\">PAGING" : "ok\">OK")
                .append("</span> · ").append(firing.size()).append(" alert(s) firing</p>");
        if (!tenantPages.isEmpty()) {
            b.append("<p id=\"tenant-pages\" class=\"bad\">Paging for ").append(tenantPages.size()).append(" tenant(s): ")
                    .append(escape(String.join(", ", tenantPages))).append("</p>");
        }
        b.append("<h2>Jobs, platform-wide</h2><table id=\"platform\"><tr><th>Job</th><th>SLO</th><th>Events 1h</th><th>Bad 1h</th>")
                .append("<th>Burn 5m</th><th>Burn 1h</th><th>Burn 6h</th><th>Burn 3d</th><th>State</th></tr>");
        for (JobHealth h : platform) {
            Slo slo = slos.get(h.job());
            row(b, h, h.job(), slo == null ? "none" : String.format(Locale.ROOT, "%.2f%%", slo.target() * 100));
        }
        b.append("</table><h2>Worst tenants (last hour)</h2><table id=\"worst\"><tr><th>Tenant</th><th>Job</th><th>Events 1h</th>")
                .append("<th>Bad 1h</th><th>Burn 5m</th><th>Burn 1h</th><th>Burn 6h</th><th>Burn 3d</th><th>State</th></tr>");
        for (JobHealth h : worst) {
            row(b, h, escape(h.tenant()), null);
        }
        b.append("</table><h2>Alerts firing</h2><ul id=\"alerts\">");
        for (Alert a : firing) {
            b.append("<li class=\"bad\">").append(a.severity()).append(' ').append(a.rule()).append(" — ")
                    .append(a.tenant() == null ? "platform" : "tenant " + escape(a.tenant())).append(", job ").append(escape(a.job()))
                    .append(", since ").append(a.firedAt()).append("</li>");
        }
        return b.append("</ul></body></html>").toString();
    }

    private static void row(StringBuilder b, JobHealth h, String first, String slo) {
        b.append("<tr><td>").append(first).append("</td>");
        if (slo != null) {
            b.append("<td>").append(slo).append("</td>");
        } else {
            b.append("<td>").append(escape(h.job())).append("</td>");
        }
        b.append("<td class=\"n\">").append(h.events1h()).append("</td><td class=\"n\">").append(h.bad1h()).append("</td>");
        for (double v : new double[] {h.burn5m(), h.burn1h(), h.burn6h(), h.burn3d()}) {
            b.append("<td class=\"n\">").append(Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f", v)).append("</td>");
        }
        b.append("<td class=\"").append(h.paging() ? "bad\">paging" : "ok\">ok").append("</td></tr>");
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
