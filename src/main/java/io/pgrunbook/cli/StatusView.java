package io.pgrunbook.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.inventory.Units;
import io.pgrunbook.pgbouncer.PauseGuard;
import picocli.CommandLine.Help.Ansi;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** Renders a ClusterState: the JSON contract of DESIGN.md, or a table for people. */
public final class StatusView {
    private StatusView() {
    }

    /**
     * DESIGN.md's `status -o json`, fields in that order; additions at the end: `notes`, then `vip` and `pgpool`
     * (only when the inventory has them), `next` (the command to run next, null when HEALTHY), `probed_at` (when the
     * probe started, ISO-8601 UTC).
     */
    @JsonPropertyOrder({"cluster", "verdict", "primary", "hosts", "notes", "vip", "pgpool", "next", "probed_at"})
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Json(String cluster, String verdict, String primary, List<Host> hosts, List<String> notes,
                       @JsonInclude(JsonInclude.Include.NON_NULL) Vip vip,
                       @JsonInclude(JsonInclude.Include.NON_NULL) List<Pgpool> pgpool, String next,
                       java.time.Instant probedAt) {
    }

    /** The virtual IP: where it belongs now, who holds it, the hosts that could not be asked (each with why). */
    @JsonPropertyOrder({"address", "expected", "holders", "unchecked", "ok"})
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Vip(String address, String expected, List<String> holders, List<String> unchecked, boolean ok) {
    }

    /** The fields of DESIGN.md in their order, then additions at the end: {@code pgbouncer_pause}. */
    @JsonPropertyOrder({"name", "address", "role", "state", "timeline", "lsn", "lag_bytes", "replay_paused", "upstream",
            "pgbouncer_target", "pgbouncer_pause", "londiste"})
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Host(String name, String address, String role, String state, Integer timeline, String lsn,
                       Long lagBytes, Boolean replayPaused, String upstream, String pgbouncerTarget, Pause pgbouncerPause,
                       // only on a Londiste REPLICA: a site without one sees no new field
                       @JsonInclude(JsonInclude.Include.NON_NULL) io.pgrunbook.cluster.LondisteState londiste) {
    }

    /**
     * A paused PgBouncer (null when nothing is paused): the databases; from the guard's state file when pgrunbook
     * paused it, since when, for how many seconds, by which run, when the guard resumes it and whether it runs; the
     * command that resumes it.
     */
    @JsonPropertyOrder({"databases", "since", "seconds", "run", "guard_deadline", "guard_running", "resume_command"})
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Pause(List<String> databases, String since, Long seconds, String run, String guardDeadline,
                        boolean guardRunning, String resumeCommand) {
    }

    /** One pgpool's view (only for a cluster with pgpool in its inventory): its backends and where it differs. */
    @JsonPropertyOrder({"pgpool", "address", "port", "error", "backends", "differences"})
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Pgpool(String pgpool, String address, int port, String error, List<PgpoolBackend> backends,
                         List<String> differences) {
    }

    @JsonPropertyOrder({"node_id", "host", "address", "port", "status", "role", "lb_weight", "live_state"})
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record PgpoolBackend(@com.fasterxml.jackson.annotation.JsonProperty("node_id") int nodeId, String host,
                                String address, int port, String status, String role,
                                @com.fasterxml.jackson.annotation.JsonProperty("lb_weight") String lbWeight,
                                @com.fasterxml.jackson.annotation.JsonProperty("live_state") String liveState) {
    }

    private static List<Pgpool> pgpools(ClusterState s) {
        if (s.pgpools().isEmpty()) {
            return null;
        }
        return s.pgpools().stream().map(p -> new Pgpool(p.pgpool(), p.address(), p.port(), p.error(), p.backends().stream()
                .map(b -> new PgpoolBackend(b.id(), b.host(), b.address(), b.port(), b.status(), b.role(), b.weight(), b.live()))
                .toList(), p.differences())).toList();
    }

    public static Json json(ClusterState s) {
        return json(s, new NextCommand("pgrunbook"));
    }

    public static Json json(ClusterState s, NextCommand next) {
        String n0 = NextCommand.forState(s);
        return new Json(s.cluster(), s.verdict().name(), s.primary(), s.hosts().stream()
                .map(n -> new Host(n.name(), n.address(), n.role().name(), n.state().json(), n.timeline(), n.lsn(),
                        n.lagBytes(), n.replayPaused(), n.upstream(), n.pgbouncerTarget(), pause(n, s.probedAt()), n.londiste())).toList(), s.notes(),
                s.vip() == null ? null : new Vip(s.vip().address(), s.vip().expected(), s.vip().holders(), s.vip().unchecked(),
                        s.vip().problems().isEmpty()), pgpools(s),
                n0 == null ? null : next.command(n0), s.probedAt());
    }

    private static Pause pause(NodeState n, java.time.Instant at) {
        if (n.pgbouncerPaused().isEmpty()) {
            return null;
        }
        PauseGuard.State g = n.pgbouncerGuard() != null && n.pgbouncerGuard().paused() ? n.pgbouncerGuard() : null;
        java.time.Instant since = g == null ? null : g.pausedAt();
        return new Pause(n.pgbouncerPaused(), since == null ? null : since.toString(),
                since == null ? null : Math.max(0, java.time.Duration.between(since, at).toSeconds()), g == null ? null : g.runId(),
                g == null || g.deadline() == null ? null : g.deadline().toString(), g != null && g.guardRunning(),
                PauseGuard.RESUME_COMMAND);
    }

    public static String table(ClusterState s, Ansi ansi) {
        Table t = new Table("HOST", "ADDRESS", "ROLE", "STATE", "TL", "LSN", "LAG", "UPSTREAM", "PGBOUNCER");
        for (NodeState n : s.hosts()) {
            String state = n.state().json();
            if (Boolean.TRUE.equals(n.replayPaused())) {
                state += " (replay paused)";
            } else if (n.state() == io.pgrunbook.cluster.LiveState.STANDBY && !n.streaming()) {
                state += " (not streaming)";
            }
            t.row(n.name(), n.address(), n.role(), state, n.timeline(), n.lsn(),
                    n.lagBytes() == null ? null : Units.bytes(n.lagBytes()), n.upstream(),
                    n.pgbouncerError() != null ? "error" : n.pgbouncerTarget() == null ? null
                            : n.pgbouncerTarget() + (n.pgbouncerPaused().isEmpty() ? "" : " (paused)"));
        }
        StringBuilder b = new StringBuilder();
        b.append("Cluster ").append(s.cluster()).append("  (probed ")
                .append(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault()).format(s.probedAt()))
                .append(" in ").append(s.probeMillis()).append(" ms)\n");
        // the STATE column (3) coloured by live state
        b.append(t.render((row, column, text) -> column == 3 ? Paint.state(ansi, s, s.hosts().get(row), text) : text));
        if (s.vip() != null) {
            b.append("VIP ").append(s.vip().address()).append(": ").append(s.vip().holders().isEmpty() ? "held by no host"
                    : "on " + String.join(" and ", s.vip().holders())).append(s.vip().problems().isEmpty() ? ""
                    : s.vip().expected() != null ? " (belongs on " + s.vip().expected() + ")" : "").append('\n');
        }
        for (io.pgrunbook.cluster.PgpoolState p : s.pgpools()) {
            b.append(PgpoolTable.render(p));
        }
        b.append("Verdict: ").append(Paint.verdict(ansi, s.verdict())).append('\n');
        for (String note : s.notes()) {
            b.append("  - ").append(note).append('\n');
        }
        return b.toString();
    }
}
