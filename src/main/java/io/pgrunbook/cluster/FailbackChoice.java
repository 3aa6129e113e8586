package io.pgrunbook.cluster;

import io.pgrunbook.inventory.Role;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which live primary a failback of {@code target} rejoins, and whether the target must be stopped first (pure: no I/O).
 * Normally the one live primary, with the target down. In split brain, where the target still runs as a primary beside
 * one other: the SLAVE beside the MASTER wins (the remedy table: in split brain the SLAVE wins); for any other pair,
 * the side every PgBouncer that can be read sends clients to. The target is then stopped first. Anything else cannot
 * be told and is refused.
 */
public final class FailbackChoice {
    private FailbackChoice() {
    }

    /** {@code upstream} to rejoin and whether to {@code stopFirst}, with the reason; or a refusal and a hint. */
    public record Decision(String upstream, boolean stopFirst, String reason, String refusal, String hint) {
        public boolean refused() {
            return refusal != null;
        }
    }

    private static Decision refuse(String refusal, String hint) {
        return new Decision(null, false, null, refusal, hint);
    }

    public static Decision decide(ClusterState state, String target) {
        NodeState t = state.node(target).orElse(null);
        if (t == null) {
            return refuse(target + " is not a host of cluster " + state.cluster(), "see 'pgrunbook status'");
        }
        if (!t.role().isPhysical()) {
            return refuse(target + " is a logical REPLICA: it is never failed back", "repair it with: pgrunbook repair-replica " + target);
        }
        List<NodeState> others = state.hosts().stream()
                .filter(n -> n.role().isPhysical() && n.isPrimary() && !n.name().equals(target)).toList();
        if (others.size() > 1) {
            return refuse(others.stream().map(NodeState::name).collect(Collectors.joining(", ")) + " all run as primary"
                    + (t.isPrimary() ? ", and " + target + " too" : "") + ": which one " + target + " should rejoin cannot be told",
                    "see 'pgrunbook status'");
        }
        if (others.isEmpty()) {
            return t.isPrimary()
                    ? refuse(target + " is the live primary: there is nothing to fail back",
                    "to hand the primary role to another node: pgrunbook switchover --to HOST")
                    : refuse("there is no live primary for " + target + " to rejoin",
                    "see 'pgrunbook status'; promote a standby first: pgrunbook failover --to HOST");
        }
        NodeState other = others.get(0);
        if (!t.isPrimary()) {
            return new Decision(other.name(), false, other.name() + " is the live primary", null, null);
        }
        // split brain: both take writes. The remedy table keeps the SLAVE beside the MASTER; for any other pair, the
        // side every PgBouncer sends clients to is kept; anything else is the operator's call, not ours
        Set<String> pointed = new LinkedHashSet<>();
        Set<String> pointing = new LinkedHashSet<>();
        for (NodeState n : state.hosts()) {
            if (n.pgbouncerTarget() != null) {
                String p = n.pgbouncerTarget();
                pointed.addAll(p.startsWith("mixed: ") ? List.of(p.substring("mixed: ".length()).split(",")) : List.of(p));
                pointing.add(n.name());
            }
        }
        String split = target + " still runs as a primary beside " + other.name() + " (split brain)";
        String clients = pointing.isEmpty() ? "no PgBouncer tells which side clients write to"
                : "PgBouncer on " + String.join(", ", pointing) + " sends clients to " + String.join(", ", pointed);
        if (t.role() == Role.MASTER && other.role() == Role.SLAVE) {
            return new Decision(other.name(), true, split + "; in split brain the SLAVE wins (remedy table): "
                    + other.name() + " is the live primary; " + clients, null, null);
        }
        if (t.role() == Role.SLAVE && other.role() == Role.MASTER) {
            return refuse(split + "; in split brain the SLAVE wins (remedy table): " + target + " is kept, not rewound",
                    "rejoin the MASTER instead: pgrunbook failback " + other.name());
        }
        if (pointed.equals(Set.of(other.name()))) {
            return new Decision(other.name(), true, split + "; " + clients + ": " + other.name() + " is the live primary", null, null);
        }
        return refuse(split + "; " + clients + ": which side to keep cannot be told",
                "see 'pgrunbook status'; stop the stale side by hand, then: pgrunbook failback HOST");
    }
}
