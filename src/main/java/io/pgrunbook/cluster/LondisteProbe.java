package io.pgrunbook.cluster;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.LondisteSettings;
import io.pgrunbook.londiste.LondisteCommands;
import io.pgrunbook.londiste.PgQ;
import io.pgrunbook.pg.Conninfo;
import io.pgrunbook.pg.PgException;
import io.pgrunbook.pg.PgSessions;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.HostKeyException;
import io.pgrunbook.remote.TransportException;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Probes a Londiste REPLICA, read-only, in two halves: on the REPLICA itself (its node, provider, tables, worker
 * pidfile) while every node is probed, then on the live primary (the worker's place in the queue, the ticker) once it
 * is known which node that is.
 */
final class LondisteProbe {
    private LondisteProbe() {
    }

    /** The REPLICA's half; never throws (what failed goes into {@code error}). */
    static LondisteState leaf(Host h, Connections connections, Duration timeout, Map<String, String> env) {
        LondisteSettings l = h.replication().londiste();
        String worker = "unknown";
        String error = null;
        try {
            ExecResult r = connections.to(h).exec(LondisteCommands.shell(LondisteCommands.workerStateScript(l), h.become()),
                    ExecOptions.timeout(Duration.ofSeconds(5)));
            if (r.ok()) {
                worker = r.stdout().strip();
            }
        } catch (HostKeyException e) {
            throw e;
        } catch (TransportException e) {
            error = e.getMessage();
        }
        String providerNode = l.providerNode();
        String provider = null;
        String consumer = null;
        List<String> notInSync = null;
        try (Connection c = PgSessions.open(h, connections, h.replication().database(), timeout, env)) {
            PgQ.Leaf leaf = PgQ.leaf(c, l.queue());
            if (leaf == null) {
                error = "no Londiste node for queue " + l.queue() + " in database " + h.replication().database();
            } else {
                providerNode = leaf.providerNode();
                provider = Conninfo.host(leaf.providerLocation());
                consumer = leaf.workerName();
                notInSync = PgQ.tablesNotInSync(c, l.queue());
            }
        } catch (PgException | SQLException e) {
            error = e.getMessage();
        }
        return new LondisteState(l.queue(), l.node(), providerNode, provider, null, worker, consumer, null, null, null, notInSync,
                null, null, error);
    }

    /** Every Londiste REPLICA completed with the live primary's half: provider, consumer lag, ticker. */
    static List<NodeState> withPrimary(Cluster cluster, List<NodeState> raw, Connections connections, Duration timeout,
                                       Map<String, String> env) {
        List<NodeState> primaries = raw.stream().filter(n -> n.role().isPhysical() && n.isPrimary()).toList();
        Host primary = primaries.size() == 1 ? cluster.host(primaries.get(0).name()).orElse(null) : null;
        List<NodeState> out = new ArrayList<>();
        for (NodeState n : raw) {
            LondisteState s = n.londiste();
            if (s == null) {
                out.add(n);
                continue;
            }
            Host h = cluster.host(n.name()).orElseThrow();
            String providerName = cluster.byAddress(s.provider()).map(Host::name).orElse(s.provider());
            LondisteState named = new LondisteState(s.queue(), s.node(), s.providerNode(), providerName, null, s.worker(), s.consumer(), null,
                    null, null, s.tablesNotInSync(), null, null, s.error());
            LondisteState done = named;
            if (primary != null) {
                Boolean isPrimary = s.provider() == null ? null : primary.name().equals(providerName);
                Long events = null;
                Double lag = null;
                Double seen = null;
                Boolean alive = null;
                Double tickLag = null;
                String error = null;
                try (Connection c = PgSessions.open(primary, connections, h.replication().database(), timeout, env)) {
                    PgQ.Ticker t = PgQ.ticker(c, s.queue());
                    if (t == null) {
                        error = "queue " + s.queue() + " not found on the primary " + primary.name();
                    } else {
                        alive = t.alive();
                        tickLag = round(t.lagSeconds());
                        String consumer = s.consumer();
                        PgQ.Consumer cons = consumer == null ? null : PgQ.consumer(c, s.queue(), consumer);
                        if (cons != null) {
                            events = cons.pendingEvents();
                            lag = round(cons.lagSeconds());
                            seen = round(cons.lastSeenSeconds());
                        }
                    }
                } catch (PgException | SQLException e) {
                    error = primary.name() + ": " + e.getMessage();
                }
                done = named.withPrimary(isPrimary, events, lag, seen, alive, tickLag, error);
            }
            NodeStateBuilder b = new NodeStateBuilder(h, n);
            b.londiste = done;
            out.add(b.build());
        }
        return out;
    }

    private static Double round(Double d) {
        return d == null ? null : Math.round(d * 10) / 10.0;
    }

    /** The verdict's notes for a Londiste REPLICA: each one makes the cluster DEGRADED, with the next command. */
    static void notes(NodeState n, NodeState primary, List<String> notes) {
        LondisteState s = n.londiste();
        String repair = "; run: pgrunbook repair-replica " + n.name();
        if (s.error() != null && s.providerNode() == null) {
            notes.add(n.name() + ": Londiste not readable: " + s.error());
            return;
        }
        if ("stopped".equals(s.worker())) {
            notes.add(n.name() + ": the Londiste worker is not running; start it: pgrunbook remedy " + n.name());
        }
        if (primary != null && Boolean.FALSE.equals(s.providerIsPrimary())) {
            notes.add(n.name() + ": Londiste provider " + s.providerNode() + " is at " + s.provider() + ", not at the primary "
                    + primary.name() + " (" + primary.address() + ")" + repair);
        }
        if (primary != null && Boolean.FALSE.equals(s.tickerAlive())) {
            notes.add(n.name() + ": no PgQ tick on the primary " + primary.name() + " for " + s.tickerLagSeconds()
                    + " s: pgqd does not run there; events wait in the queue");
        }
    }

    /** A line of facts for the operator (not counted by the verdict). */
    static String info(NodeState n) {
        LondisteState s = n.londiste();
        StringBuilder b = new StringBuilder(n.name() + ": Londiste leaf " + s.node() + " of " + s.providerNode()
                + (s.provider() != null ? " on " + s.provider() : "") + ", worker " + s.worker());
        if (s.lagEvents() != null) {
            b.append(", ").append(s.lagEvents()).append(" events / ").append(s.lagSeconds()).append(" s behind");
        }
        if (s.tickerLagSeconds() != null) {
            b.append(", last tick ").append(s.tickerLagSeconds()).append(" s ago");
        }
        if (s.tablesNotInSync() != null) {
            b.append(s.tablesNotInSync().isEmpty() ? ", every table in sync" : ", not in sync: " + String.join(", ", s.tablesNotInSync()));
        }
        return b.toString();
    }
}
