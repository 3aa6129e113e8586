package io.pgrunbook.smoke;

import io.pgrunbook.cluster.ClusterProbe;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.LiveState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.cluster.Verdict;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.inventory.Units;
import io.pgrunbook.pg.PgSessions;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.HostKeyException;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.smoke.SmokeReport.Check;
import io.pgrunbook.smoke.SmokeReport.Result;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The end-to-end smoke test, in normal or failover state alike: connections and ports on every node and PgBouncer, a
 * probe row written on the live primary and looked for on every physical standby and on the REPLICA, writes through
 * every PgBouncer, replication lag, and the site's own smoke scripts.
 * <p>
 * The probe table {@code public.pgrunbook_smoke} has a primary key because a FOR ALL TABLES publication publishes it
 * and PostgreSQL refuses UPDATE/DELETE on a published table without a replica identity. Logical replication does not
 * carry DDL, so when the REPLICA's publication covers the table and the table is missing there, it is created on the
 * REPLICA, and when the subscription does not know the table yet, {@code ALTER SUBSCRIPTION ... REFRESH PUBLICATION}
 * adds it (copying its rows). That refresh also drops tables that were removed from the publication: the state the
 * publication already declares. When the table is not published to the REPLICA, or the REPLICA subscribes to a node
 * that is not the live primary (failover state before repair-replica), its check is SKIP with the reason, not FAIL.
 * <p>
 * In failover state the old MASTER, when down or unreachable, is skipped: it is fenced until failback.
 */
public final class SmokeRunner {
    public static final String TABLE = "pgrunbook_smoke";
    public static final String DDL = "CREATE TABLE IF NOT EXISTS public." + TABLE + " (token text PRIMARY KEY,"
            + " written_at timestamptz NOT NULL DEFAULT now(), written_on text NOT NULL)";

    private final Connections connections;
    private final Map<String, String> env;
    private final ProbeRow probe;
    private final ReplicaSmoke replicas;
    private final PgBouncerSmoke pgbouncers;

    public SmokeRunner(Connections connections, Map<String, String> env, Duration timeout) {
        this.connections = connections;
        this.env = env;
        this.probe = new ProbeRow(connections, env, timeout);
        this.replicas = new ReplicaSmoke(connections, env, probe);
        this.pgbouncers = new PgBouncerSmoke(connections, env);
    }

    public SmokeReport run(Cluster cluster) {
        List<Check> checks = new ArrayList<>();
        String token = "smoke-" + UUID.randomUUID();
        String db = cluster.smoke().database();
        long t0 = System.nanoTime();
        ClusterState state = new ClusterProbe(connections, env).probe(cluster);
        Host primary = state.primary() == null ? null : cluster.host(state.primary()).orElse(null);
        checks.add(new Check("live primary", primary == null ? "-" : primary.name(), primary == null ? Result.FAIL : Result.PASS,
                ms(t0), primary == null ? "no single live primary: " + state.verdict() + (state.notes().isEmpty() ? "" : " (" + state.notes().get(0) + ")")
                : primary.name() + " (" + primary.role() + "), verdict " + state.verdict()));

        for (Host h : cluster.hosts()) {
            Optional<String> fenced = fenced(state, h);
            if (fenced.isPresent()) {
                checks.add(new Check("node", h.name(), Result.SKIP, 0, fenced.get()));
                // its PgBouncer may outlive PostgreSQL there, and clients may still use it
                if (h.hasPgBouncer() && state.node(h.name()).map(x -> x.state() == LiveState.DOWN).orElse(false)) {
                    checks.add(port(h, "pgbouncer port", h.address(), h.pgbouncer().port(), h.pgbouncer().adminUser()));
                }
                continue;
            }
            checks.add(port(h, "postgres port", h.pgHost(), h.postgres().port(), null));
            checks.add(connect(h));
            if (h.hasPgBouncer()) {
                checks.add(port(h, "pgbouncer port", h.address(), h.pgbouncer().port(), h.pgbouncer().adminUser()));
            }
        }

        Check w = primary == null ? null : probe.write(primary, db, token);
        if (w != null) {
            checks.add(w);
        }
        boolean written = w != null && w.result() == Result.PASS;
        long writtenAt = System.nanoTime();

        // standbys are polled at once, so that each delay is its own
        List<Host> standbys = cluster.hosts().stream().filter(h -> h.role().isPhysical() && primary != null
                && !h.name().equals(primary.name()) && fenced(state, h).isEmpty()).toList();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, standbys.size() + 1), r -> {
            Thread t = new Thread(r, "smoke");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Check>> seen = new ArrayList<>();
            for (Host s : standbys) {
                seen.add(written ? pool.submit(() -> probe.awaitRow("replicate", s, db, token, writtenAt, ""))
                        : pool.submit(() -> new Check("replicate", s.name(), Result.SKIP, 0, "no probe row was written")));
            }
            Future<List<Check>> logical = pool.submit(() -> replicas.logical(cluster, state, primary, db, token, writtenAt, written));
            for (Future<Check> f : seen) {
                checks.add(f.get());
            }
            checks.addAll(logical.get());
        } catch (Exception e) {
            if (e.getCause() instanceof HostKeyException hk) {
                throw hk;
            }
            throw new IllegalStateException("smoke: " + e.getMessage(), e);
        } finally {
            pool.shutdownNow();
        }

        for (Host s : standbys) {
            Optional<NodeState> n = state.node(s.name());
            Long lag = n.map(NodeState::lagBytes).orElse(null);
            long max = cluster.settings().maxLagBytes();
            checks.add(new Check("lag", s.name(), lag != null && lag <= max ? Result.PASS : Result.FAIL, 0,
                    lag == null ? "unknown (" + n.map(NodeState::state).map(x -> x.json()).orElse("?") + ")"
                            : Units.bytes(lag) + " (limit " + Units.bytes(max) + ")"));
        }

        for (Host h : cluster.pgbouncers()) {
            checks.addAll(pgbouncers.checks(h, primary, db, token));
            checks.addAll(ReadOnlySmoke.check(cluster, h, d -> pgbouncers.viaPgBouncer(h, d)));
        }
        checks.addAll(BarmanSmoke.checks(cluster, connections, primary));
        checks.addAll(PgpoolSmoke.checks(cluster, primary, db, token, env));
        for (Cluster.SmokeScript s : cluster.smoke().scripts()) {
            checks.addAll(script(cluster, state, s));
        }
        return new SmokeReport(cluster.name(), state.verdict().name(), state.primary(), token, List.copyOf(checks));
    }

    /** Why a host is left out: the old MASTER down or unreachable while another node is primary (failover state). */
    static Optional<String> fenced(ClusterState state, Host h) {
        if (state.verdict() != Verdict.FAILOVER_STATE || h.role() != Role.MASTER) {
            return Optional.empty();
        }
        return state.node(h.name()).filter(n -> !n.reachable()).map(n -> "failover state: " + h.name()
                + " (MASTER) is " + n.state().json() + ", fenced until failback (primary: " + state.primary() + ")");
    }

    private Check port(Host h, String name, String address, int port, String user) {
        long t = System.nanoTime();
        List<String> argv = new ArrayList<>(List.of(h.postgres().bin("pg_isready"), "-h", address, "-p", String.valueOf(port), "-t", "5"));
        if (user != null) {
            argv.addAll(List.of("-d", "pgbouncer", "-U", user));
        }
        try {
            ExecResult r = connections.to(h).exec(RemoteCommand.of(argv).as(h.become()), ExecOptions.timeout(Duration.ofSeconds(15)));
            // pg_isready: 0 accepting, 1 rejecting (starting up, still listening), 2 no response, 3 no attempt
            boolean listening = r.exitCode() != null && (r.exitCode() == 0 || r.exitCode() == 1);
            return new Check(name, h.name(), listening ? Result.PASS : Result.FAIL, ms(t),
                    address + ":" + port + " " + (r.stdout().isBlank() ? r.tail(1) : r.stdout().strip()
                            .replaceFirst("^\\S+:\\d+ - ", "")));
        } catch (HostKeyException e) {
            throw e;
        } catch (RuntimeException e) {
            return new Check(name, h.name(), Result.FAIL, ms(t), e.getMessage());
        }
    }

    private Check connect(Host h) {
        long t = System.nanoTime();
        try (Connection c = PgSessions.open(h, connections, null, h.postgres().statementTimeout(), env);
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
            rs.next();
            return new Check("connect", h.name(), Result.PASS, ms(t), (rs.getBoolean(1) ? "in recovery" : "read-write")
                    + ", database " + h.postgres().database());
        } catch (HostKeyException e) {
            throw e;
        } catch (RuntimeException | SQLException e) {
            return new Check("connect", h.name(), Result.FAIL, ms(t), strip(h, e.getMessage()));
        }
    }

    private List<Check> script(Cluster cluster, ClusterState state, Cluster.SmokeScript s) {
        List<Check> out = new ArrayList<>();
        List<Host> targets = targets(cluster, state, s.on());
        if (targets.isEmpty()) {
            out.add(new Check("script " + s.name(), "-", Result.FAIL, 0, "no host for on: " + s.on()));
        }
        for (Host h : targets) {
            long t = System.nanoTime();
            try {
                ExecResult r = connections.to(h).exec(RemoteCommand.of("sh", "-c", s.run()).withDisplay(s.run()).as(s.as()),
                        ExecOptions.timeout(Duration.ofMinutes(5)));
                String tail = r.tail(1);
                out.add(new Check("script " + s.name(), h.name(), r.ok() ? Result.PASS : Result.FAIL, ms(t),
                        (r.ok() ? "" : r.status() + (tail.isEmpty() ? "" : ": ")) + tail));
            } catch (HostKeyException e) {
                throw e;
            } catch (RuntimeException e) {
                out.add(new Check("script " + s.name(), h.name(), Result.FAIL, ms(t), e.getMessage()));
            }
        }
        return out;
    }

    /** {@code on}: primary, standbys, all, a designed role, or a host name. */
    static List<Host> targets(Cluster cluster, ClusterState state, String on) {
        String o = on == null ? "primary" : on;
        switch (o.toLowerCase(Locale.ROOT)) {
            case "primary":
                return state.primary() == null ? List.of() : List.of(cluster.host(state.primary()).orElseThrow());
            case "standbys":
                return cluster.hosts().stream().filter(h -> h.role().isPhysical() && !h.name().equals(state.primary()))
                        .filter(h -> fenced(state, h).isEmpty()).toList();
            case "all":
                return cluster.hosts().stream().filter(h -> fenced(state, h).isEmpty()).toList();
            default:
                for (Role r : Role.values()) {
                    if (r.name().equalsIgnoreCase(o)) {
                        return cluster.withRole(r);
                    }
                }
                return cluster.host(o).map(List::of).orElse(List.of());
        }
    }

    static String strip(Host h, String message) {
        if (message == null) {
            return "error";
        }
        String m = oneLine(message);
        return m.startsWith(h.name() + ": ") ? m.substring(h.name().length() + 2) : m;
    }

    static String oneLine(String m) {
        if (m == null) {
            return "error";
        }
        int nl = m.indexOf('\n');
        return nl > 0 ? m.substring(0, nl) : m;
    }

    static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }

}
