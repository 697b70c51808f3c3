package io.headroom.core.api.console;

import java.util.List;
import java.util.Locale;

/** Small HTML and inline-SVG helpers for console panels (no script, no external resource). */
public final class Html {
    private Html() {
    }

    public static String escape(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }

    /**
     * A sparkline of {@code values} (oldest first; NaN for no data), scaled to at least {@code floor} at the top, with
     * a dashed line at {@code reference} (e.g. a burn rate of 1) when it is inside the scale.
     */
    public static String sparkline(double[] values, double floor, double reference) {
        int w = 160;
        int h = 32;
        double max = floor;
        for (double v : values) {
            if (!Double.isNaN(v)) {
                max = Math.max(max, v);
            }
        }
        StringBuilder b = new StringBuilder("<svg class=\"spark\" width=\"").append(w).append("\" height=\"").append(h)
                .append("\" viewBox=\"0 0 ").append(w).append(' ').append(h).append("\" role=\"img\">");
        if (reference > 0 && reference <= max) {
            String y = num(h - 1 - (h - 2) * reference / max);
            b.append("<line x1=\"0\" x2=\"").append(w).append("\" y1=\"").append(y).append("\" y2=\"").append(y)
                    .append("\" stroke=\"#c5221f\" stroke-dasharray=\"3,3\" stroke-width=\"1\"/>");
        }
        b.append("<polyline fill=\"none\" stroke=\"#1a73e8\" stroke-width=\"1.5\" points=\"");
        int n = values.length;
        for (int i = 0; i < n; i++) {
            double v = Double.isNaN(values[i]) ? 0 : values[i];
            b.append(num(n == 1 ? 0 : (w - 1) * i / (double) (n - 1))).append(',').append(num(h - 1 - (h - 2) * v / max)).append(' ');
        }
        return b.append("\"/></svg>").toString();
    }

    /** A horizontal bar chart: one labelled bar per entry, scaled to the largest value. */
    public static String bars(List<String> labels, double[] values, String unit) {
        double max = 0;
        for (double v : values) {
            max = Math.max(max, v);
        }
        StringBuilder b = new StringBuilder("<table class=\"bars\">");
        for (int i = 0; i < labels.size(); i++) {
            double pct = max <= 0 ? 0 : 100 * values[i] / max;
            b.append("<tr><td>").append(escape(labels.get(i))).append("</td><td class=\"bar\"><svg width=\"160\" height=\"12\">")
                    .append("<rect width=\"").append(num(1.6 * pct)).append("\" height=\"12\" fill=\"#1a73e8\"/></svg></td>")
                    .append("<td class=\"n\">").append(num(values[i])).append(unit == null ? "" : " " + escape(unit)).append("</td></tr>");
        }
        return b.append("</table>").toString();
    }

    /** A progress bar with its text, {@code done} of {@code total}. */
    public static String progress(double done, double total, String text) {
        double pct = total <= 0 ? 0 : Math.min(100, 100 * done / total);
        return "<span class=\"progress\"><svg width=\"120\" height=\"10\"><rect width=\"120\" height=\"10\" fill=\"#e8eaed\"/>"
                + "<rect width=\"" + num(1.2 * pct) + "\" height=\"10\" fill=\"#137333\"/></svg> " + escape(text) + "</span>";
    }

    /** A state word coloured by how good it is: {@code good} green, {@code bad} red, anything else amber. */
    public static String state(String text, boolean good, boolean bad) {
        return "<span class=\"" + (good ? "ok" : bad ? "bad" : "warn") + "\">" + escape(text) + "</span>";
    }

    static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }
}
