package io.pgrunbook.cluster;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.pg.Lsn;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.remote.HostKeyException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Probes every host of a cluster in parallel, read-only, and judges the whole. One bad host never delays the others
 * beyond its own deadline: a probe still running at the deadline is reported as unknown.
 */
public final class ClusterProbe {
    private final Connections connections;
    private final Map<String, String> env;

    public ClusterProbe(Connections connections) {
        this(connections, System.getenv());
    }

    public ClusterProbe(Connections connections, Map<String, String> env) {
        this.connections = connections;
        this.env = env;
    }

    public ClusterState probe(Cluster cluster) {
        // its own pool: every host (and the VIP and pgpool questions) at once, none waits for a thread
        ExecutorService pool = Executors.newFixedThreadPool(cluster.hosts().size() + (cluster.vip() == null ? 0 : 1)
                + (cluster.pgpools().isEmpty() ? 0 : 1), r -> {
            Thread t = new Thread(r, "probe");
            t.setDaemon(true);
            return t;
        });
        try {
            return start(cluster, pool, NO_GUARD).collect();
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Starts the probes of one cluster on {@code pool}, which may be shared by the probes of many clusters and smaller
     * than their number of hosts ({@code status --all-clusters}): a host's deadline counts from when its probe starts,
     * not from when it was queued, and no wait goes past {@code guardNanos} (a System.nanoTime() instant, or
     * {@link #NO_GUARD}) whatever the queue. {@link Pending#collect} waits for them and judges.
     */
    public Pending start(Cluster cluster, ExecutorService pool, long guardNanos) {
        return new Pending(cluster, pool, guardNanos);
    }

    /** For {@link #start}: no wait is cut short but by the hosts' own deadlines. */
    public static final long NO_GUARD = Long.MIN_VALUE;

    /** How long one host's probe may take once started: an SSH connect plus a PostgreSQL connect and the queries. */
    public static Duration budget(Cluster cluster) {
        return maxConnect(cluster.hosts()).plus(cluster.settings().probeTimeout()).plusSeconds(1);
    }

    /** The probes of one cluster under way. */
    public final class Pending {
        private final Cluster cluster;
        private final long start = System.nanoTime();
        private final long guard;
        private final long budget;
        private final List<Future<NodeState>> futures = new ArrayList<>();
        private final List<java.util.concurrent.atomic.AtomicLong> started = new ArrayList<>();
        private final java.util.concurrent.CompletableFuture<io.pgrunbook.vip.VipState> vip;
        private final Future<List<io.pgrunbook.cluster.PgpoolState>> pgpools;

        private Pending(Cluster cluster, ExecutorService pool, long guardNanos) {
            this.cluster = cluster;
            this.guard = guardNanos;
            Duration timeout = cluster.settings().probeTimeout();
            this.budget = budget(cluster).toNanos();
            // asked beside the nodes: who holds the VIP does not depend on what they answer
            vip = cluster.vip() == null ? null
                    : java.util.concurrent.CompletableFuture.supplyAsync(() -> io.pgrunbook.vip.VipProbe.probe(cluster, connections, timeout), pool);
            // pgpool's view is asked beside the hosts' probes: pcp answers in milliseconds or fails
            pgpools = cluster.pgpools().isEmpty() ? null
                    : pool.submit(() -> io.pgrunbook.cluster.PgpoolState.probe(cluster, connections::to));
            for (Host h : cluster.hosts()) {
                java.util.concurrent.atomic.AtomicLong at = new java.util.concurrent.atomic.AtomicLong();
                started.add(at);
                futures.add(pool.submit(() -> {
                    at.set(System.nanoTime());
                    return NodeProbe.probe(h, connections, timeout, env);
                }));
            }
        }

        public Cluster cluster() {
            return cluster;
        }

        /** Waits for every host (each up to its deadline), then judges the cluster. */
        public ClusterState collect() {
            Duration timeout = cluster.settings().probeTimeout();
            List<Host> hosts = cluster.hosts();
            List<NodeState> raw = new ArrayList<>();
            try {
                for (int i = 0; i < hosts.size(); i++) {
                    raw.add(await(futures.get(i), started.get(i), hosts.get(i)));
                }
            } catch (RuntimeException e) {
                cancel();
                throw e;
            }
            if (raw.stream().anyMatch(n -> n.londiste() != null)) {
                raw = LondisteProbe.withPrimary(cluster, raw, connections, timeout, env);
            }
            ClusterState judged = judge(cluster, raw, Instant.now(), (System.nanoTime() - start) / 1_000_000);
            ClusterState state = vip == null ? judged : VipVerdict.apply(cluster, judged, VipVerdict.await(vip, cluster, timeout));
            return pgpools == null ? state : io.pgrunbook.cluster.PgpoolState.judge(cluster, state, pgpoolViews(cluster, pgpools));
        }

        /** Stops what is still queued or running (a probe that threw, or a shared pool given up on). */
        public void cancel() {
            futures.forEach(f -> f.cancel(true));
            if (vip != null) {
                vip.cancel(true);
            }
            if (pgpools != null) {
                pgpools.cancel(true);
            }
        }

        private NodeState await(Future<NodeState> f, java.util.concurrent.atomic.AtomicLong startedAt, Host h) {
            try {
                while (true) {
                    long s = startedAt.get();
                    long now = System.nanoTime();
                    // not started yet: it waits in a shared queue; its own deadline begins when it runs
                    long deadline = (s == 0 ? now : s) + budget;
                    if (guard != NO_GUARD && guard - deadline < 0) {
                        deadline = guard;
                    }
                    try {
                        return f.get(Math.max(0, deadline - now), TimeUnit.NANOSECONDS);
                    } catch (TimeoutException e) {
                        long t = System.nanoTime();
                        long s2 = startedAt.get();
                        if ((guard == NO_GUARD || t - guard < 0) && (s2 == 0 || t - (s2 + budget) < 0)) {
                            continue;
                        }
                        f.cancel(true);
                        return unknown(h, h.name() + (s2 == 0 ? ": not probed: every probe thread was busy until the deadline"
                                : ": probe timed out"));
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return unknown(h, h.name() + ": probe interrupted");
            } catch (java.util.concurrent.CancellationException e) {
                return unknown(h, h.name() + ": probe cancelled");
            } catch (ExecutionException e) {
                // an unknown or changed host key stops the command: never probe past an unverified server
                if (e.getCause() instanceof HostKeyException hk) {
                    throw hk;
                }
                return unknown(h, h.name() + ": probe failed: " + e.getCause());
            }
        }
    }

    private static List<io.pgrunbook.cluster.PgpoolState> pgpoolViews(Cluster cluster, Future<List<io.pgrunbook.cluster.PgpoolState>> f) {
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        } catch (ExecutionException | TimeoutException e) {
            f.cancel(true);
            return cluster.pgpools().stream().map(p -> new io.pgrunbook.cluster.PgpoolState(p.label(), p.address(), p.port(),
                    "pcp did not answer", List.of(), List.of())).toList();
        }
    }

    private static Duration maxConnect(List<Host> hosts) {
        Duration max = Duration.ZERO;
        for (Host h : hosts) {
            Duration d = h.postgres().connectTimeout();
            if (h.overSsh()) {
                d = d.plus(h.ssh().connectTimeout());
            }
            if (d.compareTo(max) > 0) {
                max = d;
            }
        }
        return max;
    }

    private static NodeState unknown(Host h, String error) {
        NodeStateBuilder b = new NodeStateBuilder(h);
        b.error = error;
        return b.build();
    }

    /** Names upstreams and PgBouncer targets, computes lag behind the primary, and gives the verdict. Pure. */
    static ClusterState judge(Cluster cluster, List<NodeState> raw, Instant at, long millis) {
        List<NodeState> primaries = raw.stream().filter(n -> n.role().isPhysical() && n.isPrimary()).toList();
        String primaryLsn = primaries.size() == 1 ? primaries.get(0).lsn() : null;
        List<NodeState> nodes = new ArrayList<>();
        for (NodeState n : raw) {
            Host h = cluster.host(n.name()).orElseThrow();
            NodeStateBuilder b = new NodeStateBuilder(h, n);
            if (n.state() == LiveState.STANDBY) {
                b.lagBytes = Lsn.diff(primaryLsn, n.replayLsn());
                b.upstream = upstreamOf(cluster, raw, n);
            } else if (n.state() == LiveState.LOGICAL && n.londiste() != null) {
                b.upstream = n.londiste().provider();
            } else if (n.state() == LiveState.LOGICAL) {
                b.upstream = n.subscriptions().stream().map(NodeState.Subscription::conninfoHost)
                        .filter(x -> x != null).findFirst().map(a -> nameOf(cluster, a)).orElse(null);
            } else {
                b.upstream = null;
            }
            if (n.pgbouncerTargets() != null) {
                Set<String> targets = new LinkedHashSet<>();
                n.pgbouncerTargets().values().forEach(t -> targets.add(nameOf(cluster, t.replace(" (paused)", "").replaceFirst(":\\d+$", ""))));
                b.pgbouncerTarget = targets.isEmpty() ? null : targets.size() == 1 ? targets.iterator().next()
                        : "mixed: " + String.join(",", targets);
            }
            nodes.add(b.build());
        }
        return Verdicts.judge(cluster, nodes, at, millis);
    }

    /** The node a standby streams from: its walreceiver's sender, else whoever lists it in pg_stat_replication. */
    private static String upstreamOf(Cluster cluster, List<NodeState> raw, NodeState n) {
        if (n.upstream() != null) {
            return nameOf(cluster, n.upstream());
        }
        Optional<NodeState> sender = raw.stream().filter(o -> o.downstreams().stream()
                .anyMatch(d -> n.name().equals(d.applicationName()))).findFirst();
        return sender.map(NodeState::name).orElse(null);
    }

    private static String nameOf(Cluster cluster, String address) {
        return cluster.byAddress(address).map(Host::name).orElse(address);
    }
}
