package io.pgrunbook.cluster;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.pgpool.Pcp;
import io.pgrunbook.pgpool.PgpoolNode;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Pgpool;
import io.pgrunbook.remote.Transport;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * One pgpool's view of the backends beside the live truth ({@code status}): each backend's status, role and weight as
 * pgpool has them, the live state of that host, and where they differ. {@code error}: pcp could not be asked.
 */
public record PgpoolState(String pgpool, String address, int port, String error, List<Backend> backends,
                          List<String> differences) {

    /** One backend: {@code host} the inventory host (null: not one of the cluster), {@code live} its live state. */
    public record Backend(int id, String host, String address, int port, String status, String role, String weight,
                          String live) {
    }

    /** Command that brings pgpool in step with the cluster: promote the live primary in pgpool, attach what streams. */
    public static final String SYNC_COMMAND = "pgrunbook run pgpool-sync";

    /** Asks every pgpool of the cluster (pcp_node_info), one after the other; never throws. */
    public static List<PgpoolState> probe(Cluster cluster, Function<Host, Transport> transports) {
        List<PgpoolState> out = new ArrayList<>();
        for (Pgpool p : cluster.pgpools()) {
            List<PgpoolNode> nodes;
            try {
                nodes = new Pcp(p, Pcp.transport(p, cluster, transports)).nodes();
            } catch (RuntimeException e) {
                String why = String.valueOf(e.getMessage());
                out.add(new PgpoolState(p.label(), p.address(), p.port(),
                        why.startsWith(p.label() + ": ") ? why.substring(p.label().length() + 2) : why, List.of(), List.of()));
                continue;
            }
            out.add(view(cluster, p, nodes));
        }
        return out;
    }

    /** One pgpool's answer (its node list) mapped to the cluster's hosts, not yet judged. */
    public static PgpoolState view(Cluster cluster, Pgpool p, List<PgpoolNode> nodes) {
        return new PgpoolState(p.label(), p.address(), p.port(), null, backends(p, cluster, nodes), List.of());
    }

    private static List<Backend> backends(Pgpool p, Cluster cluster, List<PgpoolNode> nodes) {
        List<Backend> out = new ArrayList<>();
        for (PgpoolNode n : nodes) {
            Optional<Host> h = cluster.hosts().stream()
                    .filter(x -> Pcp.idOf(p, x, nodes).map(id -> id == n.id()).orElse(false)).findFirst();
            out.add(new Backend(n.id(), h.map(Host::name).orElse(null), n.address(), n.port(), n.status(), n.role(), n.weight(), null));
        }
        return out;
    }

    /**
     * The states with each backend's live state and the differences filled in from {@code state}; a difference makes
     * a HEALTHY or FAILOVER_STATE verdict DEGRADED, with a note naming the command that fixes it. Pure.
     */
    public static ClusterState judge(Cluster cluster, ClusterState state, List<PgpoolState> pools) {
        if (pools.isEmpty()) {
            return state;
        }
        List<PgpoolState> judged = new ArrayList<>();
        List<String> notes = new ArrayList<>(state.notes());
        for (PgpoolState ps : pools) {
            PgpoolState j = ps.judged(cluster, state);
            judged.add(j);
            j.differences().forEach(d -> notes.add(j.pgpool() + ": " + d));
        }
        boolean differs = judged.stream().anyMatch(j -> !j.differences().isEmpty());
        Verdict v = differs && (state.verdict() == Verdict.HEALTHY || state.verdict() == Verdict.FAILOVER_STATE)
                ? Verdict.DEGRADED : state.verdict();
        return state.with(v, notes, judged);
    }

    private PgpoolState judged(Cluster cluster, ClusterState state) {
        List<String> diffs = new ArrayList<>();
        if (error != null) {
            diffs.add("cannot ask it (" + error + "): its clients may be cut off");
            return new PgpoolState(pgpool, address, port, error, backends, diffs);
        }
        List<Backend> out = new ArrayList<>();
        for (Backend b : backends) {
            NodeState n = b.host() == null ? null : state.node(b.host()).orElse(null);
            String live = n == null ? null : n.state().json();
            out.add(new Backend(b.id(), b.host(), b.address(), b.port(), b.status(), b.role(), b.weight(), live));
            if (n == null) {
                continue;
            }
            boolean attached = "up".equals(b.status()) || "waiting".equals(b.status());
            boolean usable = n.state() == LiveState.PRIMARY || n.streaming();
            if (n.state() == LiveState.PRIMARY && n.name().equals(state.primary()) && !"primary".equals(b.role())) {
                diffs.add("its primary is " + backends.stream().filter(x -> "primary".equals(x.role()) && x.host() != null)
                        .map(Backend::host).findFirst().orElse("none") + ", the live primary is " + n.name()
                        + ": writes through it fail; fix with: " + SYNC_COMMAND);
            } else if (!attached && usable) {
                diffs.add(n.name() + " (node " + b.id() + ") is detached (" + b.status() + ") though it "
                        + (n.state() == LiveState.PRIMARY ? "is the live primary" : "streams")
                        + "; attach it with: " + SYNC_COMMAND);
            } else if (attached && (n.state() == LiveState.DOWN || n.state() == LiveState.UNKNOWN)) {
                diffs.add(n.name() + " (node " + b.id() + ") is " + b.status() + " in pgpool but " + live
                        + ": queries sent there fail; bring it back with: pgrunbook repair " + n.name());
            }
        }
        for (Host h : cluster.hosts()) {
            Pgpool p = cluster.pgpools().stream().filter(x -> x.label().equals(pgpool)).findFirst().orElse(null);
            Integer given = p == null ? null : p.givenId(h.name()).orElse(null);
            if (given == null) {
                continue;
            }
            Optional<Backend> b = out.stream().filter(x -> x.id() == given).findFirst();
            if (b.isEmpty() || b.get().port() != h.postgres().port()
                    || !(b.get().address().equals(h.address()) || b.get().address().equals(h.pgHost()))) {
                diffs.add("the inventory's node_ids make " + h.name() + " node " + given + ", but its node " + given + " is "
                        + b.map(x -> x.address() + ":" + x.port()).orElse("missing") + ": fix node_ids (see SHOW pool_nodes)");
            }
        }
        return new PgpoolState(pgpool, address, port, null, out, diffs);
    }
}
