package io.pgrunbook.cluster;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Every host of a cluster as probed now, the verdict on the whole, and notes that explain it; {@code vip}: who holds
 * the virtual IP (null when the inventory has none).
 */
public record ClusterState(String cluster, Verdict verdict, String primary, List<NodeState> hosts, List<String> notes,
                           Instant probedAt, long probeMillis, io.pgrunbook.vip.VipState vip,
                           List<io.pgrunbook.cluster.PgpoolState> pgpools) {

    public ClusterState {
        pgpools = pgpools == null ? List.of() : List.copyOf(pgpools);
    }

    /** A state without a virtual IP or pgpool-II. */
    public ClusterState(String cluster, Verdict verdict, String primary, List<NodeState> hosts, List<String> notes,
                        Instant probedAt, long probeMillis) {
        this(cluster, verdict, primary, hosts, notes, probedAt, probeMillis, null, List.of());
    }

    /** This state with another verdict and notes, and each pgpool's view of the backends. */
    public ClusterState with(Verdict v, List<String> newNotes, List<io.pgrunbook.cluster.PgpoolState> pools) {
        return new ClusterState(cluster, v, primary, hosts, List.copyOf(newNotes), probedAt, probeMillis, vip, pools);
    }

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
