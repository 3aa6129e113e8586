package io.pgrunbook.cluster;

import io.pgrunbook.inventory.Role;

import java.util.List;
import java.util.Optional;

/**
 * Which procedure fixes a node, from its designed role and the live state only (pure: no I/O). {@code repair} says
 * the choice and why, then runs it.
 */
public final class Repair {
    private Repair() {
    }

    /** The procedures repair can choose. */
    public enum Procedure {
        /** healthy in its role: exit 0 */
        NOTHING,
        /** rejoin with pg_rewind (runbook failback) */
        FAILBACK,
        /** a fresh copy (runbook rebuild) */
        REBUILD,
        /** start what is stopped (remedy table) */
        REMEDY,
        /** re-sync a logical REPLICA (runbook repair-replica) */
        REPAIR_REPLICA,
        /** nothing safe to run: exit 3 */
        REFUSE
    }

    /** The choice, the reason in words, and for a refusal (or nothing to do) what the operator can do next. */
    public record Choice(String host, Procedure procedure, String reason, String hint) {
    }

    private static Choice of(NodeState n, Procedure p, String reason, String hint) {
        return new Choice(n.name(), p, reason, hint);
    }

    public static Choice decide(ClusterState s, String host) {
        NodeState n = s.node(host).orElseThrow(() -> new IllegalArgumentException(host + " is not a host of cluster " + s.cluster()));
        String me = n.name() + " (" + n.role() + ")";
        if (n.state() == LiveState.UNKNOWN) {
            return of(n, Procedure.REFUSE, me + " is unreachable" + (n.error() == null ? "" : ": " + n.error())
                    + "; nothing can be repaired from here", "check the host and SSH, then 'pgrunbook status'");
        }
        List<NodeState> primaries = s.primaries().stream().filter(p -> p.role() != Role.REPLICA).toList();
        if (primaries.size() > 1) {
            String names = String.join(", ", primaries.stream().map(p -> p.name() + " (" + p.role() + ")").toList());
            boolean loser = n.isPrimary() && n.role() == Role.MASTER;
            return of(n, Procedure.REFUSE, "SPLIT BRAIN: " + primaries.size() + " live primaries: " + names
                    + "; repair does not choose a winner while both run", loser
                    ? "the SLAVE wins: stop " + n.name() + " (its writes since the failover are kept aside by the rewind), then 'pgrunbook repair " + n.name() + "'"
                    : "stop the primary that must lose, then 'pgrunbook repair' it");
        }
        NodeState primary = primaries.isEmpty() ? null : primaries.get(0);
        if (n.role() == Role.REPLICA) {
            return replica(s, n, primary);
        }
        if (n.state() == LiveState.LOGICAL) {
            return of(n, Procedure.REFUSE, me + " runs as a logical node, not as a physical " + n.role(), "see 'pgrunbook status'");
        }
        if (n.isPrimary()) {
            return of(n, Procedure.NOTHING, me + " is the live primary" + (n.role() == Role.MASTER ? ""
                    : " (failover state)"), n.role() == Role.MASTER ? null
                    : "to fix the MASTER: 'pgrunbook repair " + s.hosts().stream().filter(h -> h.role() == Role.MASTER)
                    .map(NodeState::name).findFirst().orElse("MASTER") + "'");
        }
        if (n.state() == LiveState.STANDBY) {
            if (n.streaming()) {
                return of(n, Procedure.NOTHING, me + " is a standby streaming from " + n.upstream(),
                        n.role() == Role.MASTER ? "to give it the primary role back: 'pgrunbook switchover --to " + n.name() + "'" : null);
            }
            if (primary == null) {
                return of(n, Procedure.REFUSE, me + " is a standby but there is no live primary to stream from (verdict "
                        + s.verdict() + ")", "bring the primary back first ('pgrunbook remedy' on it)");
            }
            String tl = n.timeline() != null && primary.timeline() != null && n.timeline() < primary.timeline()
                    ? ", and it is on timeline " + n.timeline() + " while " + primary.name() + " is on " + primary.timeline() : "";
            return of(n, Procedure.REBUILD, me + " runs as a standby but does not stream from " + primary.name()
                    + " (walreceiver " + (n.receiverStatus() == null ? "not running" : n.receiverStatus()) + tl
                    + "): its data directory cannot follow; a fresh copy from " + primary.name(), null);
        }
        // down from here
        if (n.error() != null && n.error().contains("no data directory")) {
            return primary == null
                    ? of(n, Procedure.REFUSE, me + " has no data directory and there is no live primary to copy from", "bring the primary back first")
                    : of(n, Procedure.REBUILD, me + " is down with no data directory: a fresh copy from " + primary.name(), null);
        }
        if (n.standbySignal() == null) {
            return of(n, Procedure.REFUSE, me + " is down and its data directory could not be read", "'pgrunbook doctor'");
        }
        if (n.standbySignal()) {
            return of(n, Procedure.REMEDY, me + " is a standby that is just stopped (standby.signal in its data directory): start it", null);
        }
        if (primary != null) {
            return of(n, Procedure.FAILBACK, me + " is down and configured as a primary (no standby.signal) while "
                    + primary.name() + " (" + primary.role() + ") is the live primary on timeline " + primary.timeline()
                    + ": it diverged; rejoin it as a standby of " + primary.name() + " with pg_rewind", null);
        }
        return of(n, Procedure.REMEDY, me + " is down and configured as a primary, and there is no other live primary:"
                + " start it by the remedy table", null);
    }

    private static Choice replica(ClusterState s, NodeState n, NodeState primary) {
        String me = n.name() + " (REPLICA)";
        if (n.state() == LiveState.DOWN) {
            return of(n, Procedure.REMEDY, me + " is down: start it (and enable its subscription)", null);
        }
        if (n.state() != LiveState.LOGICAL) {
            return of(n, Procedure.REFUSE, me + " is " + n.state().json() + ", not a logical node", "see 'pgrunbook status'");
        }
        Optional<String> problem = n.subscriptions().isEmpty() ? Optional.of("has no subscription")
                : n.subscriptions().stream().map(sub -> {
                    if (!sub.enabled()) {
                        return "subscription " + sub.name() + " is disabled";
                    }
                    if (!sub.workerRunning()) {
                        return "subscription " + sub.name() + " has no running apply worker";
                    }
                    if (primary != null && sub.conninfoHost() != null && !sub.conninfoHost().equals(primary.address())
                            && !sub.conninfoHost().equals(primary.name())) {
                        return "subscription " + sub.name() + " reads from " + sub.conninfoHost() + ", not from the primary " + primary.name();
                    }
                    return null;
                }).filter(p -> p != null).findFirst();
        if (problem.isEmpty()) {
            return of(n, Procedure.NOTHING, me + "'s subscription is enabled and its worker runs", null);
        }
        if (primary == null) {
            return of(n, Procedure.REFUSE, me + " " + problem.get() + ", but there is no live primary to feed it", "bring the primary back first");
        }
        return of(n, Procedure.REPAIR_REPLICA, me + " " + problem.get() + ": repoint/enable it to " + primary.name()
                + " (re-copy only when its slot was lost)", null);
    }
}
