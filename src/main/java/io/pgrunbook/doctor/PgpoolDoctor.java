package io.pgrunbook.doctor;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Pgpool;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.pgpool.Pcp;
import io.pgrunbook.pgpool.PgpoolNode;
import io.pgrunbook.remote.Connections;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * doctor's checks of each pgpool: its port answers, pcp works with the password file (the procedures need it), and
 * every MASTER, SLAVE and BCP has a backend node id there (the inventory's, or found by address and port).
 */
final class PgpoolDoctor {
    private PgpoolDoctor() {
    }

    static List<Finding> check(Cluster cluster, Connections connections) {
        List<Finding> out = new ArrayList<>();
        for (Pgpool p : cluster.pgpools()) {
            String who = p.label();
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(p.address(), p.port()), 3000);
                out.add(Finding.pass(who, "pgpool port", p.address() + ":" + p.port() + " accepting connections"));
            } catch (IOException e) {
                out.add(Finding.fail(who, "pgpool port", p.address() + ":" + p.port() + ": " + e.getMessage(),
                        "start pgpool, or fix pgpool.address/port in the inventory"));
            }
            List<PgpoolNode> nodes;
            try {
                nodes = new Pcp(p, Pcp.transport(p, cluster, connections::to)).nodes();
                out.add(Finding.pass(who, "pcp", "pcp_node_info answers: " + nodes.size() + " backends"));
            } catch (RuntimeException e) {
                String hint = e instanceof io.pgrunbook.core.PgrunbookException pe ? pe.hint() : null;
                String detail = String.valueOf(e.getMessage());
                if (hint != null && detail.endsWith("; " + hint)) {
                    detail = detail.substring(0, detail.length() - hint.length() - 2);
                }
                out.add(Finding.fail(who, "pcp", detail, hint != null ? hint
                        : "check pcp_port, pcp_user and the pcp password file (~/.pcppass or PCPPASSFILE)"));
                continue;
            }
            for (Host h : cluster.hosts()) {
                if (h.role() == Role.REPLICA) {
                    continue;
                }
                Optional<Integer> id = Pcp.idOf(p, h, nodes);
                Optional<PgpoolNode> n = id.flatMap(i -> nodes.stream().filter(x -> x.id() == i).findFirst());
                if (n.isEmpty()) {
                    out.add(Finding.fail(who, "node id of " + h.name(), id.map(i -> "node_ids gives " + i + ", which pgpool does not have")
                                    .orElse("no backend at " + h.address() + ":" + h.postgres().port()),
                            "add it as a backend in pgpool.conf, or give its id in pgpool.node_ids"));
                } else if (n.get().port() != h.postgres().port()
                        || !(n.get().address().equals(h.address()) || n.get().address().equals(h.pgHost()))) {
                    out.add(Finding.fail(who, "node id of " + h.name(), "node " + n.get().id() + " is " + n.get().address() + ":"
                            + n.get().port() + ", not " + h.address() + ":" + h.postgres().port(), "fix pgpool.node_ids (see SHOW pool_nodes)"));
                } else {
                    out.add(Finding.pass(who, "node id of " + h.name(), "node " + n.get().id() + " (" + n.get().status() + ", "
                            + n.get().role() + ")"));
                }
            }
        }
        return out;
    }
}
