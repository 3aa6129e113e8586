package io.pgrunbook.cluster;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.remote.Connections;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Every cluster of an inventory probed at once ({@code status --all-clusters}) on one bounded pool: at most
 * {@code parallel} host probes run at a time, whatever the number of clusters, so the threads and the PostgreSQL
 * connections this command opens stay within that number (a host probe holds one session; its PgBouncer read may
 * add a thread and a psql beside it). Each cluster is judged by {@link ClusterProbe} exactly as `status` judges it.
 * Each cluster has its own transports: host names repeat from cluster to cluster (db1 in each), and a cluster's SSH
 * connections are closed as soon as it is judged.
 */
public final class FleetProbe {
    public static final int DEFAULT_PARALLEL = 32;

    private FleetProbe() {
    }

    /** The states in inventory order, and how long the whole took. */
    public record Result(List<ClusterState> states, long millis, int parallel) {
    }

    public static Result probe(Collection<Cluster> clusters, Supplier<Connections> connections, Map<String, String> env,
                               int parallel) {
        long start = System.nanoTime();
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(parallel, r -> {
            Thread t = new Thread(r, "fleet-probe-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        List<Connections> open = new ArrayList<>();
        try {
            long guard = start + guard(clusters, parallel).toNanos();
            List<ClusterProbe.Pending> pending = new ArrayList<>();
            for (Cluster c : clusters) {
                Connections cc = connections.get();
                open.add(cc);
                pending.add(new ClusterProbe(cc, env).start(c, pool, guard));
            }
            List<ClusterState> states = new ArrayList<>();
            for (int i = 0; i < pending.size(); i++) {
                ClusterProbe.Pending p = pending.get(i);
                long t0 = System.nanoTime();
                ClusterState s;
                try {
                    s = p.collect();
                } catch (RuntimeException e) {
                    // one cluster's failure (an unknown host key stops its probe) is that cluster's verdict, not the fleet's
                    p.cancel();
                    s = failed(p.cluster(), e, (System.nanoTime() - t0) / 1_000_000);
                }
                states.add(s);
                open.get(i).close();
            }
            return new Result(states, (System.nanoTime() - start) / 1_000_000, parallel);
        } finally {
            pool.shutdownNow();
            open.forEach(Connections::close);
        }
    }

    /**
     * No wait goes past this, whatever the queue: enough for every probe to use its whole deadline, one pool-full after
     * another. Probes end by their own timeouts well before; this only bounds a probe that would hang past them.
     */
    static Duration guard(Collection<Cluster> clusters, int parallel) {
        int tasks = 0;
        Duration max = Duration.ZERO;
        for (Cluster c : clusters) {
            tasks += c.hosts().size() + (c.vip() == null ? 0 : 1) + (c.pgpools().isEmpty() ? 0 : 1);
            Duration b = ClusterProbe.budget(c);
            if (b.compareTo(max) > 0) {
                max = b;
            }
        }
        long waves = (tasks + parallel - 1) / parallel;
        return max.multipliedBy(waves + 1);
    }

    /** A cluster whose probe stopped: UNKNOWN, every host unknown, the cause as its only note. */
    static ClusterState failed(Cluster cluster, RuntimeException e, long millis) {
        String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        List<NodeState> nodes = new ArrayList<>();
        for (Host h : cluster.hosts()) {
            NodeStateBuilder b = new NodeStateBuilder(h);
            b.error = "not probed: " + why;
            nodes.add(b.build());
        }
        return new ClusterState(cluster.name(), Verdict.UNKNOWN, null, List.copyOf(nodes), List.of("probe stopped: " + why),
                Instant.now(), millis);
    }
}
