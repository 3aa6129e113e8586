package io.pgrunbook.action;

import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;

import java.util.Map;

/** What a check sees: the cluster, its live state, the host it is about (null: cluster-wide) and its options. */
public record CheckContext(Cluster cluster, ClusterState state, Host host, Map<String, String> with) {
    public NodeState node() {
        return state.node(host.name()).orElse(null);
    }

    public String option(String key, String dflt) {
        String v = with.get(key);
        return v == null ? dflt : v;
    }
}
