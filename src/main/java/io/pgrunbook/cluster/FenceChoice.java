package io.pgrunbook.cluster;

import io.pgrunbook.inventory.Role;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Which node a failover to {@code target} fences, decided from the live state only (pure: no I/O). The node to fence
 * is the live primary other than the target; with none, the node that was the primary last: a down node configured as
 * a primary (no standby.signal), or failing that the designed MASTER when it is down or unreachable. Never the target.
 * A node the operator names must be that node. A refusal says why in one line and what to run instead.
 */
public final class FenceChoice {
    private FenceChoice() {
    }

    /**
     * The decision: {@code host} to fence and {@code reason} in words, or {@code refusal} (host null) and a {@code hint}.
     */
    public record Decision(String host, String reason, String refusal, String hint) {
        static Decision fence(String host, String reason) {
            return new Decision(host, reason, null, null);
        }

        static Decision refuse(String refusal, String hint) {
            return new Decision(null, null, refusal, hint);
        }

        public boolean refused() {
            return refusal != null;
        }
    }

    /** The node to fence for a failover to {@code target}, chosen from the live state. */
    public static Decision choose(ClusterState state, String target) {
        return decide(state, target, null, null);
    }

    /**
     * The node to fence for a failover to {@code target}: {@code from} (may be null: chosen) checked against the live
     * state, and {@code fenced} (null or empty: not given), the operator's word that an unreachable node is isolated,
     * which must name that same node.
     */
    public static Decision decide(ClusterState state, String target, String from, String fenced) {
        Decision d = decideFrom(state, target, blankToNull(from));
        String f = blankToNull(fenced);
        if (!d.refused() && f != null && !f.equals(d.host())) {
            return Decision.refuse("the node confirmed as fenced (" + f + ") is not the node this failover fences ("
                    + d.host() + ")", "confirm " + d.host() + " instead (failover --fenced " + d.host()
                    + "), and only once it is powered off or isolated");
        }
        return d;
    }

    private static Decision decideFrom(ClusterState state, String target, String from) {
        NodeState t = state.node(target).orElse(null);
        if (t == null) {
            return Decision.refuse(target + " is not a host of cluster " + state.cluster(), "see 'pgrunbook status'");
        }
        List<NodeState> others = state.hosts().stream()
                .filter(n -> n.role().isPhysical() && n.isPrimary() && !n.name().equals(target)).toList();
        if (others.size() > 1) {
            return Decision.refuse(names(others) + " all run as primary besides " + target + " (split brain): a failover"
                    + " fences one node, and the others would go on taking writes", "see 'pgrunbook status'; stop all but"
                    + " one of them first (pgrunbook failback HOST rejoins a stale one)");
        }
        if (others.size() == 1) {
            NodeState p = others.get(0);
            if (from != null && !from.equals(p.name())) {
                return refuseFrom(state, target, from, "the live primary is " + p.name(), p.name());
            }
            return Decision.fence(p.name(), p.name() + " is the live primary" + (p.timeline() != null ? " (timeline " + p.timeline() + ")" : ""));
        }
        if (t.isPrimary()) {
            return Decision.refuse(target + " is already the live primary: there is nothing to fail over to it",
                    "see 'pgrunbook status'");
        }
        Decision last = lastPrimary(state, target);
        if (from == null || (!last.refused() && last.host().equals(from))) {
            return last;
        }
        String known = last.refused() ? "there is no live primary" : "there is no live primary; the last one was " + last.host();
        NodeState f = state.node(from).orElse(null);
        if (f == null) {
            return Decision.refuse(from + " is not a host of cluster " + state.cluster(), "see 'pgrunbook status'");
        }
        if (from.equals(target) || !f.role().isPhysical() || f.state() == LiveState.STANDBY || f.state() == LiveState.LOGICAL
                || Boolean.TRUE.equals(f.standbySignal())) {
            return refuseFrom(state, target, from, known, last.refused() ? null : last.host());
        }
        return Decision.fence(from, "there is no live primary; " + from + " is " + (f.state() == LiveState.DOWN
                ? "down" + (Boolean.FALSE.equals(f.standbySignal()) ? " and configured as a primary" : "") : "unreachable")
                + ", named by the operator as the old primary");
    }

    /** With no live primary: the node that was primary last, or a refusal when the live state cannot tell. */
    private static Decision lastPrimary(ClusterState state, String target) {
        List<NodeState> configured = state.hosts().stream().filter(n -> n.role().isPhysical() && !n.name().equals(target)
                && n.state() == LiveState.DOWN && Boolean.FALSE.equals(n.standbySignal())).toList();
        if (configured.size() == 1) {
            NodeState n = configured.get(0);
            return Decision.fence(n.name(), "there is no live primary; " + n.name() + " (" + n.role() + ") is down and"
                    + " configured as a primary (no standby.signal): it was the primary last");
        }
        if (configured.size() > 1) {
            return Decision.refuse("there is no live primary, and " + names(configured) + " are all down and configured"
                    + " as primaries: which was the primary last cannot be told", "name it: failover --to " + target + " --from HOST");
        }
        Optional<NodeState> master = state.hosts().stream().filter(n -> n.role() == Role.MASTER).findFirst();
        if (master.isPresent() && !master.get().name().equals(target) && !Boolean.TRUE.equals(master.get().standbySignal())
                && (master.get().state() == LiveState.DOWN || master.get().state() == LiveState.UNKNOWN)) {
            NodeState m = master.get();
            return Decision.fence(m.name(), "there is no live primary; the MASTER " + m.name() + " is "
                    + (m.state() == LiveState.DOWN ? "down" : "unreachable") + " and no other node is configured as a primary");
        }
        List<NodeState> unreachable = state.hosts().stream().filter(n -> n.role().isPhysical() && !n.name().equals(target)
                && n.state() == LiveState.UNKNOWN).toList();
        return Decision.refuse("there is no live primary, and which node was the primary last cannot be told"
                        + (unreachable.isEmpty() ? "" : " (" + names(unreachable) + " unreachable)"),
                "name it: failover --to " + target + " --from HOST; see 'pgrunbook status'");
    }

    private static Decision refuseFrom(ClusterState state, String target, String from, String known, String real) {
        NodeState f = state.node(from).orElse(null);
        String what = from.equals(target) ? from + " is the failover target: the node to fence is never the one promoted"
                : from + " is not the old primary: " + (f == null ? "not probed" : describe(f));
        return Decision.refuse("the node named to fence, " + what + "; " + known,
                real != null ? "leave --from out (" + real + " is fenced) or name " + real + ": failover --to " + target + " --from " + real
                        : "see 'pgrunbook status'");
    }

    private static String describe(NodeState n) {
        String what = switch (n.state()) {
            case PRIMARY -> n.name() + " runs as a primary";
            case STANDBY -> n.name() + " is a " + (n.streaming() ? "streaming " : "") + "standby"
                    + (n.upstream() != null ? " of " + n.upstream() : "");
            case LOGICAL -> n.name() + " is a logical REPLICA";
            case DOWN -> n.name() + " is down" + (Boolean.TRUE.equals(n.standbySignal()) ? " with standby.signal (it was a standby)" : "");
            case UNKNOWN -> n.name() + " is unreachable";
        };
        return what + (n.role() == Role.REPLICA && n.state() != LiveState.LOGICAL ? " (a REPLICA is never fenced or promoted)" : "");
    }

    /**
     * The healthy live primary a failover to {@code target} would stop: one physical primary other than the target,
     * answering and out of recovery. Empty when there is none (a failover is what the cluster needs).
     */
    public static Optional<NodeState> healthyPrimary(ClusterState state, String target) {
        List<NodeState> p = state.hosts().stream()
                .filter(n -> n.role().isPhysical() && n.isPrimary() && !n.name().equals(target)).toList();
        return p.size() == 1 ? Optional.of(p.get(0)) : Optional.empty();
    }

    private static String names(List<NodeState> nodes) {
        return nodes.stream().map(NodeState::name).collect(Collectors.joining(", "));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
