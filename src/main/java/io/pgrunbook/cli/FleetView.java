package io.pgrunbook.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.FleetProbe;
import io.pgrunbook.cluster.LiveState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.cluster.Verdict;
import io.pgrunbook.inventory.Units;
import io.pgrunbook.remote.Shell;
import picocli.CommandLine.Help.Ansi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * {@code status --all-clusters}: one line per cluster, worst first, for the DBA who looks after many clusters; as a
 * table, as JSON (each cluster the object of `status -o json` with four fields added at its end) or one monitoring
 * line. The exit code is the first line's: the worst cluster's.
 */
public final class FleetView {
    /** Worst first: what loses data or writes before what cannot be seen, before what merely needs attention. */
    static final List<Verdict> WORST_FIRST = List.of(Verdict.SPLIT_BRAIN, Verdict.NO_PRIMARY, Verdict.UNKNOWN,
            Verdict.FAILOVER_STATE, Verdict.DEGRADED, Verdict.HEALTHY);

    private static final int REASON_WIDTH = 72;

    private FleetView() {
    }

    /** The states worst first; clusters of one verdict stay in inventory order. */
    static List<ClusterState> ordered(List<ClusterState> states) {
        List<ClusterState> out = new ArrayList<>(states);
        out.sort(Comparator.comparingInt(s -> WORST_FIRST.indexOf(s.verdict())));
        return out;
    }

    /** The worst cluster's exit code (DESIGN.md's status codes): 0 when every cluster is HEALTHY. */
    static int exitCode(List<ClusterState> states) {
        return states.isEmpty() ? ExitCodes.OK : ExitCodes.of(ordered(states).get(0).verdict().outcome());
    }

    /** What makes a host count as up: PostgreSQL answered. */
    static long hostsUp(ClusterState s) {
        return s.hosts().stream().filter(n -> n.state() == LiveState.PRIMARY || n.state() == LiveState.STANDBY
                || n.state() == LiveState.LOGICAL).count();
    }

    static Long worstLag(ClusterState s) {
        return s.hosts().stream().map(NodeState::lagBytes).filter(Objects::nonNull).max(Long::compare).orElse(null);
    }

    /**
     * The first note, which says why the verdict is what it is; after "no live primary" (or "no host could be probed")
     * the first host's note too, which says why. Null for a HEALTHY cluster with nothing to say.
     */
    static String reason(ClusterState s) {
        if (s.notes().isEmpty()) {
            return null;
        }
        String first = s.notes().get(0);
        boolean generic = (s.verdict() == Verdict.NO_PRIMARY || s.verdict() == Verdict.UNKNOWN) && s.notes().size() > 1
                && (first.equals("no live primary") || first.equals("no host could be probed"));
        return generic ? first + ": " + s.notes().get(1) : first;
    }

    /** The next: command of one cluster names it with -c, so that it can be pasted as it is. */
    static NextCommand nextFor(NextCommand fleet, ClusterState s) {
        return new NextCommand(fleet.prefix() + " -c " + Shell.quote(s.cluster()));
    }

    static String summary(List<ClusterState> states) {
        Map<Verdict, Integer> counts = new EnumMap<>(Verdict.class);
        states.forEach(s -> counts.merge(s.verdict(), 1, Integer::sum));
        List<String> parts = new ArrayList<>();
        for (Verdict v : WORST_FIRST) {
            if (counts.containsKey(v)) {
                parts.add(counts.get(v) + " " + v.name());
            }
        }
        return String.join(", ", parts);
    }

    public static String table(FleetProbe.Result r, NextCommand fleet, Ansi ansi) {
        List<ClusterState> states = ordered(r.states());
        Table t = new Table("CLUSTER", "VERDICT", "PRIMARY", "UP", "WORST LAG", "REASON", "NEXT");
        for (ClusterState s : states) {
            String what = NextCommand.forState(s);
            Long lag = worstLag(s);
            t.row(s.cluster(), s.verdict().name(), s.primary(), hostsUp(s) + "/" + s.hosts().size(),
                    lag == null ? null : Units.bytes(lag), shorten(reason(s)), what == null ? null : nextFor(fleet, s).command(what));
        }
        StringBuilder b = new StringBuilder();
        b.append(states.size()).append(states.size() == 1 ? " cluster" : " clusters").append(" probed in ")
                .append(r.millis()).append(" ms (at most ").append(r.parallel()).append(" hosts at a time): ")
                .append(summary(states)).append('\n');
        b.append(t.render((row, column, text) -> column == 1
                ? Paint.paint(ansi, Paint.verdictStyle(states.get(row).verdict()), text) : text));
        return b.toString();
    }

    /**
     * {@code {"verdict", "clusters": [...], "probe_ms", "parallel", "probed_at"}}: the worst verdict, then every cluster
     * worst first, each as `status -o json` prints it (its {@code next} names the cluster with -c) followed by
     * {@code hosts_up}, {@code hosts_total}, {@code worst_lag_bytes} and {@code reason}.
     */
    public static Map<String, Object> json(FleetProbe.Result r, NextCommand fleet) {
        List<ClusterState> states = ordered(r.states());
        List<ObjectNode> clusters = new ArrayList<>();
        for (ClusterState s : states) {
            ObjectNode o = Json.JSON.valueToTree(StatusView.json(s, nextFor(fleet, s)));
            o.put("hosts_up", hostsUp(s));
            o.put("hosts_total", s.hosts().size());
            Long lag = worstLag(s);
            if (lag == null) {
                o.putNull("worst_lag_bytes");
            } else {
                o.put("worst_lag_bytes", lag);
            }
            o.put("reason", reason(s));
            clusters.add(o);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("verdict", states.isEmpty() ? Verdict.HEALTHY.name() : states.get(0).verdict().name());
        out.put("clusters", clusters);
        out.put("probe_ms", r.millis());
        out.put("parallel", r.parallel());
        out.put("probed_at", states.stream().map(ClusterState::probedAt).min(Comparator.naturalOrder()).orElse(null));
        return out;
    }

    /**
     * One monitoring line for the whole fleet: the worst plugin state of the clusters (each judged as `status -o
     * nagios` judges it, lag and VIP included), the counts, the worst cluster's reason on the first line, each
     * cluster that is not OK on a line of its own after it. CRITICAL outranks UNKNOWN here: a cluster known to be
     * broken pages before one that could not be seen.
     */
    public static NagiosView.Check nagios(FleetProbe.Result r, java.util.function.Function<ClusterState, NagiosView.Thresholds> thresholds) {
        List<NagiosView.Check> checks = new ArrayList<>();
        for (ClusterState s : r.states()) {
            checks.add(NagiosView.check(s, thresholds.apply(s)));
        }
        List<NagiosView.State> rank = List.of(NagiosView.State.CRITICAL, NagiosView.State.UNKNOWN,
                NagiosView.State.WARNING, NagiosView.State.OK);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < checks.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingInt((Integer i) -> rank.indexOf(checks.get(i).state()))
                .thenComparingInt(i -> WORST_FIRST.indexOf(r.states().get(i).verdict())));
        NagiosView.State worst = checks.isEmpty() ? NagiosView.State.OK : checks.get(order.get(0)).state();
        Map<NagiosView.State, Integer> counts = new EnumMap<>(NagiosView.State.class);
        checks.forEach(c -> counts.merge(c.state(), 1, Integer::sum));
        StringBuilder b = new StringBuilder("PGRUNBOOK ").append(worst).append(" - ").append(r.states().size())
                .append(" clusters: ").append(summary(r.states()));
        if (worst != NagiosView.State.OK) {
            b.append("; worst ").append(firstLine(checks.get(order.get(0))));
        }
        b.append(" | clusters=").append(r.states().size()).append(";;;0;");
        for (NagiosView.State st : NagiosView.State.values()) {
            b.append(' ').append(st.name().toLowerCase(Locale.ROOT)).append('=').append(counts.getOrDefault(st, 0)).append(";;;0;");
        }
        b.append(" probe=").append(String.format(Locale.ROOT, "%.3f", r.millis() / 1000.0)).append("s;;;0;");
        for (int i : order) {
            if (checks.get(i).state() != NagiosView.State.OK) {
                b.append('\n').append(firstLine(checks.get(i)));
            }
        }
        return new NagiosView.Check(worst, b.toString());
    }

    /** A cluster's plugin line without its "PGRUNBOOK STATE - " head and its perfdata. */
    private static String firstLine(NagiosView.Check c) {
        String line = c.text().lines().findFirst().orElse("");
        int bar = line.indexOf(" | ");
        String head = "PGRUNBOOK " + c.state() + " - ";
        return (line.startsWith(head) ? line.substring(head.length(), bar < 0 ? line.length() : bar) : line).strip();
    }

    private static String shorten(String s) {
        if (s == null || s.length() <= REASON_WIDTH) {
            return s;
        }
        return s.substring(0, REASON_WIDTH - 3) + "...";
    }
}
