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
import io.pgrunbook.pg.Quote;
import io.pgrunbook.pgbouncer.PgBouncerAdmin;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.HostKeyException;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.smoke.SmokeReport.Check;
import io.pgrunbook.smoke.SmokeReport.Result;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
    private final Duration timeout;

    public SmokeRunner(Connections connections, Map<String, String> env, Duration timeout) {
        this.connections = connections;
        this.env = env;
        this.timeout = timeout;
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

        Check w = primary == null ? null : write(primary, db, token);
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
                seen.add(written ? pool.submit(() -> awaitRow("replicate", s, db, token, writtenAt, ""))
                        : pool.submit(() -> new Check("replicate", s.name(), Result.SKIP, 0, "no probe row was written")));
            }
            Future<List<Check>> logical = pool.submit(() -> logical(cluster, state, primary, db, token, writtenAt, written));
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
            checks.addAll(pgbouncer(h, primary, db, token));
            checks.addAll(ReadOnlySmoke.check(cluster, h, d -> viaPgBouncer(h, d)));
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

    private Check write(Host primary, String db, String token) {
        long t = System.nanoTime();
        try (Connection c = PgSessions.open(primary, connections, db, primary.postgres().statementTimeout(), env);
             Statement st = c.createStatement()) {
            st.execute(DDL);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO public." + TABLE + " (token, written_on) VALUES (?, ?)")) {
                ps.setString(1, token);
                ps.setString(2, primary.name());
                ps.executeUpdate();
            }
            // keep the table small: probe rows are only needed while a smoke test runs
            st.executeUpdate("DELETE FROM public." + TABLE + " WHERE written_at < now() - interval '1 day'");
            return new Check("write", primary.name(), Result.PASS, ms(t), "probe row " + token + " in " + db + "." + TABLE);
        } catch (HostKeyException e) {
            throw e;
        } catch (RuntimeException | SQLException e) {
            return new Check("write", primary.name(), Result.FAIL, ms(t), strip(primary, e.getMessage()));
        }
    }

    /** Polls {@code host} until the probe row is there or the timeout passes; the delay is from the write. */
    private Check awaitRow(String name, Host h, String db, String token, long writtenAt, String note) {
        long deadline = writtenAt + timeout.toNanos();
        String last = null;
        while (true) {
            try (Connection c = PgSessions.open(h, connections, db, h.postgres().statementTimeout(), env)) {
                try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM public." + TABLE + " WHERE token = ?")) {
                    ps.setString(1, token);
                    while (System.nanoTime() < deadline) {
                        try (ResultSet rs = ps.executeQuery()) {
                            if (rs.next()) {
                                return new Check(name, h.name(), Result.PASS, ms(writtenAt), "probe row seen after "
                                        + ms(writtenAt) + " ms" + note);
                            }
                        } catch (SQLException e) {
                            // the table itself may not have been replayed yet
                            if (!"42P01".equals(e.getSQLState())) {
                                throw e;
                            }
                            last = "table " + TABLE + " not there yet";
                        }
                        Thread.sleep(50);
                    }
                }
            } catch (HostKeyException e) {
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Check(name, h.name(), Result.FAIL, ms(writtenAt), "interrupted");
            } catch (RuntimeException | SQLException e) {
                last = strip(h, e.getMessage());
                if (System.nanoTime() < deadline) {
                    sleep(500);
                    continue;
                }
            }
            return new Check(name, h.name(), Result.FAIL, ms(writtenAt), "probe row not seen within "
                    + Units.duration(timeout) + (last != null ? " (" + last + ")" : "") + note);
        }
    }

    private List<Check> logical(Cluster cluster, ClusterState state, Host primary, String db, String token, long writtenAt,
                                boolean written) {
        List<Check> out = new ArrayList<>();
        for (Host r : cluster.withRole(Role.REPLICA)) {
            long t = System.nanoTime();
            if (r.replication().isLondiste()) {
                out.add(londiste(cluster, r, primary, db, token, writtenAt, written));
                continue;
            }
            String sub = r.replication().subscription();
            if (!written || primary == null) {
                out.add(new Check("replicate (logical)", r.name(), Result.SKIP, 0, "no probe row was written"));
                continue;
            }
            if (!db.equals(r.replication().database())) {
                out.add(new Check("replicate (logical)", r.name(), Result.SKIP, 0, "not published: subscription " + sub
                        + " is in database " + r.replication().database() + ", smoke writes in " + db));
                continue;
            }
            try (Connection rc = PgSessions.open(r, connections, db, r.postgres().statementTimeout(), env)) {
                List<String> pubs;
                String upstream;
                try (PreparedStatement ps = rc.prepareStatement("SELECT subpublications, subconninfo FROM pg_subscription"
                        + " WHERE subname = ? AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
                    ps.setString(1, sub);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            out.add(new Check("replicate (logical)", r.name(), Result.FAIL, ms(t), "no subscription " + sub + " in " + db));
                            continue;
                        }
                        Array a = rs.getArray(1);
                        pubs = Arrays.asList((String[]) a.getArray());
                        upstream = conninfoHost(rs.getString(2));
                    }
                }
                Optional<Host> up = cluster.byAddress(upstream);
                if (up.isEmpty() || !up.get().name().equals(primary.name())) {
                    out.add(new Check("replicate (logical)", r.name(), Result.SKIP, ms(t), "not replicated: subscription "
                            + sub + " subscribes to " + up.map(Host::name).orElse(upstream) + ", not to the live primary "
                            + primary.name() + " (repair with: pgrunbook repair-replica " + r.name() + ")"));
                    continue;
                }
                if (!published(primary, db, pubs)) {
                    out.add(new Check("replicate (logical)", r.name(), Result.SKIP, ms(t), "not published: " + TABLE
                            + " is in none of the publications of " + sub + " (" + String.join(", ", pubs) + ")"));
                    continue;
                }
                String note = prepareReplica(rc, sub);
                out.add(awaitRow("replicate (logical)", r, db, token, writtenAt, note));
            } catch (HostKeyException e) {
                throw e;
            } catch (RuntimeException | SQLException e) {
                out.add(new Check("replicate (logical)", r.name(), Result.FAIL, ms(t), strip(r, e.getMessage())));
            }
        }
        return out;
    }

    /** A Londiste REPLICA sees the probe row when the smoke table is in its queue and its provider is the primary. */
    private Check londiste(Cluster cluster, Host r, Host primary, String db, String token, long writtenAt, boolean written) {
        String name = "replicate (londiste)";
        long t = System.nanoTime();
        if (!written || primary == null) {
            return new Check(name, r.name(), Result.SKIP, 0, "no probe row was written");
        }
        String queue = r.replication().londiste().queue();
        if (!db.equals(r.replication().database())) {
            return new Check(name, r.name(), Result.SKIP, 0, "not replicated: queue " + queue + " is in database "
                    + r.replication().database() + ", smoke writes in " + db);
        }
        try (Connection rc = PgSessions.open(r, connections, db, r.postgres().statementTimeout(), env)) {
            io.pgrunbook.londiste.PgQ.Leaf leaf = io.pgrunbook.londiste.PgQ.leaf(rc, queue);
            if (leaf == null) {
                return new Check(name, r.name(), Result.FAIL, ms(t), "no Londiste node for queue " + queue + " in " + db);
            }
            Optional<Host> up = cluster.byAddress(conninfoHost(leaf.providerLocation()));
            if (up.isEmpty() || !up.get().name().equals(primary.name())) {
                return new Check(name, r.name(), Result.SKIP, ms(t), "not replicated: the Londiste provider is "
                        + up.map(Host::name).orElse(conninfoHost(leaf.providerLocation())) + ", not the live primary " + primary.name()
                        + " (repair with: pgrunbook repair-replica " + r.name() + ")");
            }
            if (!io.pgrunbook.londiste.PgQ.localTables(rc, queue).contains("public." + TABLE)) {
                return new Check(name, r.name(), Result.SKIP, ms(t), "not replicated: public." + TABLE + " is not in queue " + queue
                        + " (add it on the root and on the leaf with londiste INI add-table public." + TABLE + ")");
            }
        } catch (HostKeyException e) {
            throw e;
        } catch (RuntimeException | SQLException e) {
            return new Check(name, r.name(), Result.FAIL, ms(t), strip(r, e.getMessage()));
        }
        return awaitRow(name, r, db, token, writtenAt, "");
    }

    private boolean published(Host primary, String db, List<String> pubs) throws SQLException {
        try (Connection c = PgSessions.open(primary, connections, db, primary.postgres().statementTimeout(), env);
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_publication_tables WHERE pubname = ANY (?)"
                     + " AND schemaname = 'public' AND tablename = '" + TABLE + "'")) {
            ps.setArray(1, c.createArrayOf("text", pubs.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        }
    }

    /** Creates the table on the REPLICA and adds it to the subscription when needed; says what it did. */
    private static String prepareReplica(Connection rc, String sub) throws SQLException {
        List<String> did = new ArrayList<>();
        try (Statement st = rc.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT to_regclass('public." + TABLE + "') IS NOT NULL")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    st.execute(DDL);
                    did.add("created " + TABLE);
                }
            }
            try (PreparedStatement ps = rc.prepareStatement("SELECT count(*) FROM pg_subscription_rel sr JOIN pg_subscription s"
                    + " ON s.oid = sr.srsubid WHERE s.subname = ? AND sr.srrelid = 'public." + TABLE + "'::regclass")) {
                ps.setString(1, sub);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) == 0) {
                        st.execute("ALTER SUBSCRIPTION " + Quote.ident(sub) + " REFRESH PUBLICATION");
                        did.add("REFRESH PUBLICATION");
                    }
                }
            }
        }
        return did.isEmpty() ? "" : " (" + String.join(", ", did) + ")";
    }

    private List<Check> pgbouncer(Host h, Host primary, String smokeDb, String token) {
        List<Check> out = new ArrayList<>();
        List<String> dbs = h.pgbouncer().databases();
        if (dbs.isEmpty()) {
            try {
                dbs = new PgBouncerAdmin(h, connections.to(h)).databases().stream().map(PgBouncerAdmin.Database::name)
                        .filter(n -> !n.equals("pgbouncer") && !h.pgbouncer().readonlyDatabases().contains(n)).toList();
            } catch (HostKeyException e) {
                throw e;
            } catch (RuntimeException e) {
                out.add(new Check("pgbouncer", h.name(), Result.FAIL, 0, strip(h, e.getMessage())));
                return out;
            }
        }
        for (String d : dbs) {
            long t = System.nanoTime();
            try (Connection c = viaPgBouncer(h, d); Statement st = c.createStatement()) {
                String where;
                boolean isPrimary;
                try (ResultSet rs = st.executeQuery("SELECT NOT pg_is_in_recovery(), host(inet_server_addr())")) {
                    rs.next();
                    isPrimary = rs.getBoolean(1);
                    where = rs.getString(2);
                }
                String server = where == null ? "a unix socket" : primary != null && (where.equals(primary.address())
                        || where.equals(primary.pgHost())) ? primary.name() : where;
                out.add(new Check("pgbouncer " + d + " primary", h.name(), isPrimary ? Result.PASS : Result.FAIL, ms(t),
                        isPrimary ? "reaches " + server + ", read-write" : "reaches " + server + ", which is in recovery"));
                long tw = System.nanoTime();
                try {
                    if (d.equals(smokeDb)) {
                        try (PreparedStatement ps = c.prepareStatement("INSERT INTO public." + TABLE + " (token, written_on) VALUES (?, ?)")) {
                            ps.setString(1, token + "-via-" + h.name());
                            ps.setString(2, "pgbouncer " + h.name());
                            ps.executeUpdate();
                        }
                    } else {
                        st.execute("CREATE TEMP TABLE pgrunbook_smoke_probe (x int)");
                        st.execute("INSERT INTO pgrunbook_smoke_probe VALUES (1)");
                        st.execute("DROP TABLE pgrunbook_smoke_probe");
                    }
                    out.add(new Check("pgbouncer " + d + " write", h.name(), Result.PASS, ms(tw),
                            d.equals(smokeDb) ? "row written into " + TABLE : "temp table written"));
                } catch (SQLException e) {
                    out.add(new Check("pgbouncer " + d + " write", h.name(), Result.FAIL, ms(tw), oneLine(e.getMessage())));
                }
            } catch (HostKeyException e) {
                throw e;
            } catch (RuntimeException | SQLException e) {
                out.add(new Check("pgbouncer " + d + " primary", h.name(), Result.FAIL, ms(t), strip(h, oneLine(e.getMessage()))));
            }
        }
        return out;
    }

    /** PgJDBC through PgBouncer (a normal database accepts it: the startup parameters are ignored there). */
    private Connection viaPgBouncer(Host h, String db) {
        return PgSessions.openPgBouncer(h, connections, db, env);
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

    static String conninfoHost(String conninfo) {
        if (conninfo == null) {
            return null;
        }
        var m = java.util.regex.Pattern.compile("(?:^|\\s)host\\s*=\\s*'?([^'\\s]+)'?").matcher(conninfo);
        return m.find() ? m.group(1) : null;
    }


    private static String strip(Host h, String message) {
        if (message == null) {
            return "error";
        }
        String m = oneLine(message);
        return m.startsWith(h.name() + ": ") ? m.substring(h.name().length() + 2) : m;
    }

    private static String oneLine(String m) {
        if (m == null) {
            return "error";
        }
        int nl = m.indexOf('\n');
        return nl > 0 ? m.substring(0, nl) : m;
    }

    static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
