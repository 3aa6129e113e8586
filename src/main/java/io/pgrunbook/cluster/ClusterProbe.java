package io.pgrunbook.cluster;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.remote.Connections;

/** Probes every host of a cluster in parallel, read-only, and judges the whole. PLACEHOLDER: being written. */
public final class ClusterProbe {
    private final Connections connections;

    public ClusterProbe(Connections connections) {
        this.connections = connections;
    }

    public ClusterState probe(Cluster cluster) {
        throw new UnsupportedOperationException("not yet implemented");
    }
}
