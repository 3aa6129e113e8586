package io.pgrunbook.cluster;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.inventory.Units;

import java.time.Instant;
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
                case LOGICAL -> logicalNotes(n, primary, notes);
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
            if (n.pgbouncerTargets() != null && n.pgbouncerTargets().values().stream().anyMatch(t -> t.endsWith("(paused)"))) {
                notes.add(n.name() + ": PgBouncer has paused databases: clients are waiting");
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
        return new ClusterState(cluster.name(), verdict, primaryName, List.copyOf(nodes), List.copyOf(notes), at, millis);
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
