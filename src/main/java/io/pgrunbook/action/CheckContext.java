package io.pgrunbook.action;

import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;

import java.util.Map;

/**
 * What a check sees: the cluster, its live state, the host it is about (null: cluster-wide), its options, and a
 * runtime for checks that must ask a server or a host (read-only, by the contract of checks; null in pure tests).
 */
public record CheckContext(Cluster cluster, ClusterState state, Host host, Map<String, String> with, StepRuntime runtime) {
    public CheckContext(Cluster cluster, ClusterState state, Host host, Map<String, String> with) {
        this(cluster, state, host, with, null);
    }

    public NodeState node() {
        return state.node(host.name()).orElse(null);
    }

    public String option(String key, String dflt) {
        String v = with.get(key);
        return v == null ? dflt : v;
    }
}
