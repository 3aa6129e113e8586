package io.pgrunbook.cli;

import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.cluster.Verdict;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code status -o nagios}: the monitoring-plugins convention (one status line, perfdata after a '|', the notes as
 * long output on the following lines, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), so the agent that pages the DBA
 * sees the same truth as `status`. The state is the verdict's, raised (never lowered) by the lag thresholds and
 * to CRITICAL by a virtual IP held by no host, by two, or by the wrong one.
 */
public final class NagiosView {
    /** The plugin states in their exit-code order. */
    public enum State { OK, WARNING, CRITICAL, UNKNOWN }

    /** Lag thresholds in bytes; null: none. */
    public record Thresholds(Long lagWarning, Long lagCritical) {
        public static final Thresholds NONE = new Thresholds(null, null);
    }

    /** The line(s) to print and the exit code. */
    public record Check(State state, String text) {
        public int exitCode() {
            return state.ordinal();
        }
    }

    private NagiosView() {
    }

    /** HEALTHY is OK; FAILOVER_STATE and DEGRADED are WARNING; SPLIT_BRAIN and NO_PRIMARY CRITICAL; UNKNOWN UNKNOWN. */
    public static State of(Verdict v) {
        return switch (v) {
            case HEALTHY -> State.OK;
            case FAILOVER_STATE, DEGRADED -> State.WARNING;
            case SPLIT_BRAIN, NO_PRIMARY -> State.CRITICAL;
            case UNKNOWN -> State.UNKNOWN;
        };
    }

    public static Check check(ClusterState s, Thresholds t) {
        State state = of(s.verdict());
        List<String> lagNotes = new ArrayList<>();
        // lag only raises a known state: UNKNOWN stays UNKNOWN (nothing was seen), CRITICAL stays CRITICAL
        if (state != State.UNKNOWN) {
            for (NodeState n : s.hosts()) {
                if (n.lagBytes() == null) {
                    continue;
                }
                if (t.lagCritical() != null && n.lagBytes() > t.lagCritical()) {
                    state = max(state, State.CRITICAL);
                    lagNotes.add(n.name() + " lags " + n.lagBytes() + " B (critical over " + t.lagCritical() + " B)");
                } else if (t.lagWarning() != null && n.lagBytes() > t.lagWarning()) {
                    state = max(state, State.WARNING);
                    lagNotes.add(n.name() + " lags " + n.lagBytes() + " B (warning over " + t.lagWarning() + " B)");
                }
            }
        }
        // a VIP on no host, on two or on the wrong one is an outage for clients however healthy the databases are
        if (state != State.UNKNOWN && s.vip() != null && !s.vip().problems().isEmpty()) {
            state = max(state, State.CRITICAL);
        }
        List<String> notes = new ArrayList<>(s.notes());
        notes.addAll(lagNotes);
        StringBuilder b = new StringBuilder("PGRUNBOOK ").append(state).append(" - cluster ").append(s.cluster())
                .append(": ").append(s.verdict());
        if (s.primary() != null) {
            b.append(", primary ").append(s.primary());
        }
        // the pager shows the first line only: the first reason goes on it
        if (!notes.isEmpty() && (s.verdict() != Verdict.HEALTHY || !lagNotes.isEmpty())) {
            b.append(": ").append(clean(s.verdict() != Verdict.HEALTHY ? notes.get(0) : lagNotes.get(0)));
        }
        b.append(" | ").append(perfdata(s, t));
        for (String note : notes) {
            b.append('\n').append(clean(note));
        }
        return new Check(state, b.toString());
    }

    /** A failure before any verdict (a bad inventory, a probe that threw): UNKNOWN, exit 3. */
    public static Check unknown(String cluster, String why) {
        return new Check(State.UNKNOWN, "PGRUNBOOK UNKNOWN - " + (cluster == null ? "" : "cluster " + cluster + ": ") + clean(why));
    }

    private static String perfdata(ClusterState s, Thresholds t) {
        List<String> p = new ArrayList<>();
        for (NodeState n : s.hosts()) {
            if (n.lagBytes() != null) {
                p.add(label("lag_" + n.name()) + "=" + n.lagBytes() + "B;" + num(t.lagWarning()) + ";" + num(t.lagCritical()) + ";0;");
            }
        }
        p.add("probe=" + String.format(Locale.ROOT, "%.3f", s.probeMillis() / 1000.0) + "s;;;0;");
        return String.join(" ", p);
    }

    private static String label(String l) {
        // perfdata labels with spaces or '=' need quotes; a quote inside is doubled by the convention
        return l.matches("[A-Za-z0-9_.-]+") ? l : "'" + l.replace("'", "''") + "'";
    }

    private static String num(Long v) {
        return v == null ? "" : v.toString();
    }

    private static State max(State a, State b) {
        return a.ordinal() >= b.ordinal() ? a : b;
    }

    /** '|' starts perfdata in this convention; a newline would end the status line. */
    private static String clean(String s) {
        return s.replace('|', '/').replace('\n', ' ').replace('\r', ' ');
    }
}
