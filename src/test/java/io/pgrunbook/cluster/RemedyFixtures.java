package io.pgrunbook.cluster;

import io.pgrunbook.inventory.Role;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/** Hand-made live states of the four-node cluster db1 MASTER, db2 SLAVE, db3 BCP, db4 REPLICA. */
final class RemedyFixtures {
    private RemedyFixtures() {
    }

    static Role role(String name) {
        return switch (name) {
            case "db1" -> Role.MASTER;
            case "db2" -> Role.SLAVE;
            case "db3" -> Role.BCP;
            default -> Role.REPLICA;
        };
    }

    static NodeState node(String name, LiveState st, Boolean standbySignal, String receiver, String upstream, Integer tl,
                          String error, List<NodeState.Subscription> subs) {
        return NodeStateBuilder.node(name, "10.0.0." + name.substring(2), role(name)).state(st).timeline(tl)
                .lsn("0/3000148").lagBytes(0L).replayPaused(false).upstream(upstream).systemIdentifier("7000")
                .version(150000, "15").subscriptions(subs).standbySignal(standbySignal).error(error).probeMillis(1)
                .receiverStatus(receiver).build();
    }

    static NodeState primary(String name) {
        return node(name, LiveState.PRIMARY, null, null, null, 2, null, List.of());
    }

    static NodeState streaming(String name, String from) {
        return node(name, LiveState.STANDBY, null, "streaming", from, 2, null, List.of());
    }

    static NodeState notStreaming(String name, int tl) {
        return node(name, LiveState.STANDBY, null, null, null, tl, null, List.of());
    }

    /** Down; {@code signal}: standby.signal in its data directory. */
    static NodeState down(String name, boolean signal) {
        return node(name, LiveState.DOWN, signal, null, null, null, name + ": PostgreSQL is not running", List.of());
    }

    static NodeState unknown(String name) {
        return node(name, LiveState.UNKNOWN, null, null, null, null, "connect timed out", List.of());
    }

    static NodeState replica(boolean enabled, boolean worker, String from) {
        return node("db4", LiveState.LOGICAL, null, null, null, 1, null,
                List.of(new NodeState.Subscription("app_sub", enabled, worker, "0/3000148", null, from, "app_sub")));
    }

    static NodeState replica() {
        return replica(true, true, "10.0.0.1");
    }

    static ClusterState state(NodeState... nodes) {
        List<NodeState> hosts = Arrays.asList(nodes);
        List<NodeState> primaries = hosts.stream().filter(n -> n.isPrimary() && n.role() != Role.REPLICA).toList();
        String primary = primaries.size() == 1 ? primaries.get(0).name() : null;
        Verdict v = primaries.size() > 1 ? Verdict.SPLIT_BRAIN : primary == null ? Verdict.NO_PRIMARY
                : primary.equals("db1") ? Verdict.HEALTHY : Verdict.FAILOVER_STATE;
        return new ClusterState("silkcloud", v, primary, hosts, List.of(), Instant.EPOCH, 1);
    }
}
