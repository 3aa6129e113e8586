package io.pgrunbook.cluster;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.inventory.Units;

import io.pgrunbook.pgbouncer.PauseGuard;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The verdict on a cluster from its probed nodes, and the notes that explain it.
 * SPLIT_BRAIN: more than one live primary among MASTER, SLAVE and BCP. NO_PRIMARY: none (UNKNOWN when no host could
 * be probed at all). One primary: HEALTHY when it is the MASTER and nothing is wrong, DEGRADED when something is,
 * FAILOVER_STATE when the primary is a SLAVE or BCP.
 */
public final class Verdicts {
    private Verdicts() {
    }

    public static ClusterState judge(Cluster cluster, List<NodeState> nodes, Instant at, long millis) {
        List<String> notes = new ArrayList<>();
        List<NodeState> primaries = nodes.stream().filter(n -> n.role().isPhysical() && n.isPrimary()).toList();
        NodeState primary = primaries.size() == 1 ? primaries.get(0) : null;
        long maxLag = cluster.settings().maxLagBytes();

        for (NodeState n : nodes) {
            switch (n.state()) {
                case DOWN -> notes.add(n.name() + " (" + n.role() + ") is down" + detail(n));
                case UNKNOWN -> notes.add(n.name() + " (" + n.role() + ") is unreachable" + detail(n)
                        + (n.role().isPhysical() ? "; it may still be running as a primary" : ""));
                case STANDBY -> standbyNotes(cluster, n, primary, maxLag, notes);
                case LOGICAL -> {
                    if (n.londiste() != null) {
                        LondisteProbe.notes(n, primary, notes);
                    } else {
                        logicalNotes(n, primary, notes);
                    }
                }
                case PRIMARY -> {
                    if (n.role() == Role.REPLICA) {
                        notes.add(n.name() + " (REPLICA) runs as a primary");
                    }
                }
            }
            if (n.role() == Role.REPLICA && n.state() == LiveState.STANDBY) {
                notes.add(n.name() + " (REPLICA) is in recovery; a logical replica should not be");
            }
            if (primary != null && n.role().isPhysical() && n.systemIdentifier() != null && primary.systemIdentifier() != null
                    && !n.systemIdentifier().equals(primary.systemIdentifier())) {
                notes.add(n.name() + " has system identifier " + n.systemIdentifier() + ", the primary " + primary.name()
                        + " has " + primary.systemIdentifier() + ": it is not a copy of this cluster");
            }
            if (n.pgbouncerError() != null) {
                notes.add(n.name() + ": PgBouncer not readable: " + n.pgbouncerError());
            } else if (n.pgbouncerTarget() != null && primary != null && !n.pgbouncerTarget().equals(primary.name())) {
                notes.add(n.name() + ": PgBouncer points to " + n.pgbouncerTarget() + ", not to the primary " + primary.name());
            }
            if (!n.pgbouncerPaused().isEmpty()) {
                notes.add(pausedNote(n, at));
            }
        }
        // facts that do not make the cluster worse: added after the verdict counted the notes
        List<String> info = new ArrayList<>();
        for (NodeState n : nodes) {
            guardNote(n, at).ifPresent(info::add);
            if (n.londiste() != null && n.state() == LiveState.LOGICAL) {
                info.add(LondisteProbe.info(n));
            }
        }

        Verdict verdict;
        String primaryName = null;
        if (primaries.size() > 1) {
            verdict = Verdict.SPLIT_BRAIN;
            notes.add(0, "SPLIT BRAIN: " + primaries.size() + " primaries: "
                    + String.join(", ", primaries.stream().map(p -> p.name() + " (" + p.role() + ", timeline " + p.timeline() + ")").toList()));
        } else if (primaries.isEmpty()) {
            boolean nothingSeen = nodes.stream().allMatch(n -> n.state() == LiveState.UNKNOWN);
            verdict = nothingSeen ? Verdict.UNKNOWN : Verdict.NO_PRIMARY;
            notes.add(0, nothingSeen ? "no host could be probed" : "no live primary");
        } else {
            primaryName = primary.name();
            if (primary.role() == Role.MASTER) {
                verdict = notes.isEmpty() ? Verdict.HEALTHY : Verdict.DEGRADED;
            } else {
                verdict = Verdict.FAILOVER_STATE;
                notes.add(0, "failover state: " + primary.name() + " (" + primary.role() + ") is the primary");
            }
        }
        notes.addAll(info);
        return new ClusterState(cluster.name(), verdict, primaryName, List.copyOf(nodes), List.copyOf(notes), at, millis);
    }

    /** How long a guard's resume stays worth a note in status. */
    static final Duration GUARD_NOTE_FOR = Duration.ofHours(24);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    /** A paused PgBouncer: which databases, since when and by which run (from its guard), until when, how to resume. */
    static String pausedNote(NodeState n, Instant at) {
        PauseGuard.State g = n.pgbouncerGuard();
        StringBuilder b = new StringBuilder(n.name()).append(": PgBouncer paused ").append(String.join(", ", n.pgbouncerPaused()));
        if (g != null && g.paused()) {
            if (g.pausedAt() != null) {
                b.append(" for ").append(seconds(Duration.between(g.pausedAt(), at))).append(" (since ")
                        .append(CLOCK.format(g.pausedAt())).append(g.runId() != null ? ", by run " + g.runId() : "").append(")");
            }
            if (!g.guardRunning()) {
                b.append("; its guard (pid ").append(g.pid()).append(") is not running: nothing will resume it");
            } else if (g.deadline() != null) {
                b.append("; its guard resumes it at ").append(CLOCK.format(g.deadline()));
                Duration left = Duration.between(at, g.deadline());
                b.append(left.isNegative() ? " (now)" : " (in " + seconds(left) + ")");
            }
        } else {
            b.append("; no pause guard (paused by hand or by an older pgrunbook): nothing will resume it");
        }
        return b.append("; clients are waiting: resume with `").append(PauseGuard.RESUME_COMMAND).append("`").toString();
    }

    /** A guard that resumed a pause its run did not end (within a day), or one still armed with nothing paused. */
    static java.util.Optional<String> guardNote(NodeState n, Instant at) {
        PauseGuard.State g = n.pgbouncerGuard();
        if (g == null || !n.pgbouncerPaused().isEmpty() || n.pgbouncerError() != null) {
            return java.util.Optional.empty();
        }
        String run = g.runId() != null ? "run " + g.runId() : "a run";
        if (!g.paused() && g.resumedAt() != null && Duration.between(g.resumedAt(), at).compareTo(GUARD_NOTE_FOR) < 0) {
            return java.util.Optional.of(n.name() + ": the pause guard of " + run + " resumed PgBouncer ("
                    + (g.resumed().isEmpty() ? "nothing left paused" : String.join(", ", g.resumed())) + ") at "
                    + CLOCK.format(g.resumedAt()) + ", after " + (g.pausedAt() == null ? "its deadline"
                    : seconds(Duration.between(g.pausedAt(), g.resumedAt())) + " paused") + ": that run did not end its pause"
                    + (g.runId() != null ? " (see `pgrunbook history show " + g.runId() + "`)" : ""));
        }
        if (g.paused() && g.guardRunning()) {
            return java.util.Optional.of(n.name() + ": the pause guard of " + run + " is armed though nothing is paused"
                    + " (harmless; `" + PauseGuard.RESUME_COMMAND + "` clears it)");
        }
        return java.util.Optional.empty();
    }

    private static String seconds(Duration d) {
        return d.toSeconds() < 1 ? "0s" : Units.duration(Duration.ofSeconds(d.toSeconds()));
    }

    private static void standbyNotes(Cluster cluster, NodeState n, NodeState primary, long maxLag, List<String> notes) {
        if (Boolean.TRUE.equals(n.replayPaused())) {
            notes.add(n.name() + ": WAL replay is paused");
        }
        if (!n.streaming()) {
            notes.add(n.name() + " is not streaming" + (n.receiverStatus() != null ? " (walreceiver " + n.receiverStatus() + ")" : " (no walreceiver)"));
        }
        if (primary != null) {
            if (n.lagBytes() != null && n.lagBytes() > maxLag) {
                notes.add(n.name() + " lags " + Units.bytes(n.lagBytes()) + " behind " + primary.name()
                        + " (limit " + Units.bytes(maxLag) + ")");
            }
            if (n.timeline() != null && primary.timeline() != null && n.timeline() < primary.timeline()) {
                notes.add(n.name() + " is on timeline " + n.timeline() + ", the primary " + primary.name() + " on "
                        + primary.timeline() + ": it follows a stale timeline");
            }
            if (n.upstream() != null && n.streaming() && cluster.host(n.upstream()).isEmpty()) {
                // cascading is fine; an upstream that is not a node of this cluster is not
                notes.add(n.name() + " streams from " + n.upstream() + ", which is not a host of this cluster");
            }
        }
    }

    private static void logicalNotes(NodeState n, NodeState primary, List<String> notes) {
        if (n.subscriptions().isEmpty()) {
            notes.add(n.name() + " (REPLICA) has no subscription");
        }
        for (NodeState.Subscription s : n.subscriptions()) {
            if (!s.enabled()) {
                notes.add(n.name() + ": subscription " + s.name() + " is disabled");
            } else if (!s.workerRunning()) {
                notes.add(n.name() + ": subscription " + s.name() + " has no running worker");
            }
            if (primary != null && s.conninfoHost() != null && !s.conninfoHost().equals(primary.address())
                    && !s.conninfoHost().equals(primary.name())) {
                notes.add(n.name() + ": subscription " + s.name() + " connects to " + s.conninfoHost()
                        + ", not to the primary " + primary.name() + " (" + primary.address() + ")");
            }
        }
    }

    private static String detail(NodeState n) {
        return n.error() != null ? ": " + stripHost(n) : "";
    }

    private static String stripHost(NodeState n) {
        String e = n.error();
        return e.startsWith(n.name() + ": ") ? e.substring(n.name().length() + 2) : e;
    }
}
