package io.pgrunbook.drill;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The drill's timeline as an SVG picture: the writer's attempts over time (acknowledged green, waiting amber, refused
 * red), the RTO gap shaded, and one bar per step under it, on one time axis. Plain SVG 1.1, no script, no external
 * font or style, so that it renders the same in a browser, a Markdown viewer and a ticket.
 */
public final class TimelineSvg {
    static final int WIDTH = 960;
    static final int LEFT = 260;
    static final int RIGHT = 70;
    static final int WRITES_TOP = 50;
    static final int WRITES_HEIGHT = 36;
    static final int ROW = 20;
    /** An acknowledged write that took longer than this waited (a PAUSE): drawn as a bar, not a tick. */
    static final Duration WAITED = Duration.ofMillis(200);

    private TimelineSvg() {
    }

    public static String render(DrillReport r, List<Attempt> attempts) {
        Instant t0 = r.start();
        Instant t1 = r.end();
        for (Attempt a : attempts) {
            t0 = a.start().isBefore(t0) ? a.start() : t0;
            t1 = a.end().isAfter(t1) ? a.end() : t1;
        }
        for (DrillReport.StepTime s : r.steps()) {
            t0 = s.start().isBefore(t0) ? s.start() : t0;
            t1 = s.end().isAfter(t1) ? s.end() : t1;
        }
        double span = Math.max(1.0, seconds(t0, t1));
        Scale x = new Scale(t0, span);
        int stepsTop = WRITES_TOP + WRITES_HEIGHT + 36;
        int height = stepsTop + r.steps().size() * ROW + 50;
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
                .append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
        s.append("<title>").append(esc(r.summary())).append("</title>\n");
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        s.append(text(10, 22, esc(r.scenario() + " drill on " + r.cluster() + ": RTO " + r.rtoText() + ", RPO " + r.rpoText()),
                "font-size=\"15\" font-weight=\"bold\""));
        // the writes lane
        s.append(text(10, WRITES_TOP + 22, "writes through PgBouncer", ""));
        s.append("<rect x=\"").append(LEFT).append("\" y=\"").append(WRITES_TOP).append("\" width=\"").append(WIDTH - LEFT - RIGHT)
                .append("\" height=\"").append(WRITES_HEIGHT).append("\" fill=\"#f4f4f4\"/>\n");
        if (r.rto() != null) {
            double a = x.at(r.rto().from());
            double b = x.at(r.rto().to());
            s.append(rect(a, WRITES_TOP - 6, Math.max(1, b - a), WRITES_HEIGHT + 12, "#d62728", "fill-opacity=\"0.15\" stroke=\"#d62728\"", "rto"));
            s.append(text(a, WRITES_TOP - 10, esc("RTO " + String.format(Locale.ROOT, "%.2f s", r.rto().seconds())),
                    "fill=\"#d62728\" font-weight=\"bold\""));
        }
        // the procedure's span, from the first run's start to the last one's end, under the writes it disturbed
        double p0 = x.at(r.start());
        double p1 = x.at(r.end());
        s.append(rect(p0, WRITES_TOP + WRITES_HEIGHT + 6, Math.max(1, p1 - p0), 4, "#333333", "", "procedure"));
        s.append(text(p0, WRITES_TOP + WRITES_HEIGHT + 24, "procedure " + String.format(Locale.ROOT, "%.1f s",
                seconds(r.start(), r.end())), "fill=\"#333333\""));
        for (Attempt a : attempts) {
            double from = x.at(a.start());
            double to = x.at(a.end());
            if (!a.ok()) {
                s.append(rect(from, WRITES_TOP + 4, Math.max(1.5, to - from), WRITES_HEIGHT - 8, "#d62728", "", "refused"));
            } else {
                if (a.took().compareTo(WAITED) > 0) {
                    s.append(rect(from, WRITES_TOP + 12, Math.max(1.5, to - from), WRITES_HEIGHT - 24, "#ff9f0e", "", "waited"));
                }
                s.append(rect(to - 0.5, WRITES_TOP + 4, 1, WRITES_HEIGHT - 8, "#2ca02c", "", "ok"));
            }
        }
        // one bar per step
        int y = stepsTop;
        for (DrillReport.StepTime t : r.steps()) {
            String label = t.runbook() + " " + t.number() + ". " + t.name();
            s.append(text(10, y + 14, esc(label.length() > 40 ? label.substring(0, 39) + "\u2026" : label), ""));
            double a = x.at(t.start());
            double b = x.at(t.end());
            String colour = t.result().equals("ok") ? "#1f77b4" : t.result().equals("failed") ? "#d62728" : "#999999";
            s.append(rect(a, y + 3, Math.max(2, b - a), ROW - 6, colour, "", "step"));
            s.append(text(Math.max(a, b) + 4, y + 14, String.format(Locale.ROOT, "%.2f s", t.seconds()), "fill=\"#555555\""));
            y += ROW;
        }
        // the time axis, seconds from the first event
        int axis = y + 12;
        s.append("<line x1=\"").append(LEFT).append("\" y1=\"").append(axis).append("\" x2=\"").append(WIDTH - RIGHT)
                .append("\" y2=\"").append(axis).append("\" stroke=\"#333333\"/>\n");
        double tick = tick(span);
        for (double t = 0; t <= span + 1e-9; t += tick) {
            double px = LEFT + t / span * (WIDTH - LEFT - RIGHT);
            s.append("<line x1=\"").append(f(px)).append("\" y1=\"").append(WRITES_TOP).append("\" x2=\"").append(f(px))
                    .append("\" y2=\"").append(axis + 4).append("\" stroke=\"#dddddd\"/>\n");
            s.append(text(px - 8, axis + 18, (tick < 1 ? String.format(Locale.ROOT, "%.1f", t) : String.valueOf(Math.round(t))) + " s", "fill=\"#333333\""));
        }
        s.append(text(10, axis + 18, "legend: acknowledged (green), waited (amber), refused (red)", "fill=\"#555555\""));
        s.append("</svg>\n");
        return s.toString();
    }

    /** Maps an instant to an x coordinate. */
    private record Scale(Instant t0, double span) {
        double at(Instant t) {
            return LEFT + seconds(t0, t) / span * (WIDTH - LEFT - RIGHT);
        }
    }

    /** A tick interval that gives about eight labels. */
    static double tick(double span) {
        for (double t : new double[]{0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600}) {
            if (span / t <= 10) {
                return t;
            }
        }
        return 7200;
    }

    private static double seconds(Instant a, Instant b) {
        return Duration.between(a, b).toNanos() / 1e9;
    }

    private static String rect(double x, double y, double w, double h, String fill, String extra, String kind) {
        return "<rect class=\"" + kind + "\" x=\"" + f(x) + "\" y=\"" + f(y) + "\" width=\"" + f(w) + "\" height=\"" + f(h)
                + "\" fill=\"" + fill + "\"" + (extra.isEmpty() ? "" : " " + extra) + "/>\n";
    }

    private static String text(double x, double y, String escaped, String extra) {
        return "<text x=\"" + f(x) + "\" y=\"" + f(y) + "\"" + (extra.isEmpty() ? "" : " " + extra) + ">" + escaped + "</text>\n";
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> {
                    if (c >= 0x20 || c == '\t') {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
