package io.pgrunbook.cluster;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Every host of a cluster as probed now, the verdict on the whole, and notes that explain it. */
public record ClusterState(String cluster, Verdict verdict, String primary, List<NodeState> hosts, List<String> notes,
                           Instant probedAt, long probeMillis) {

    public Optional<NodeState> node(String name) {
        return hosts.stream().filter(n -> n.name().equals(name)).findFirst();
    }

    public Optional<NodeState> primaryNode() {
        return primary == null ? Optional.empty() : node(primary);
    }

    public List<NodeState> primaries() {
        return hosts.stream().filter(NodeState::isPrimary).toList();
    }
}
