package io.pgrunbook.smoke;

import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.pg.PgSessions;
import io.pgrunbook.pg.Quote;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.remote.HostKeyException;
import io.pgrunbook.smoke.SmokeReport.Check;
import io.pgrunbook.smoke.SmokeReport.Result;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.pgrunbook.smoke.SmokeRunner.DDL;
import static io.pgrunbook.smoke.SmokeRunner.TABLE;
import static io.pgrunbook.smoke.SmokeRunner.ms;
import static io.pgrunbook.smoke.SmokeRunner.strip;

/** smoke's REPLICA checks: does the probe row reach each REPLICA, by its subscription or by Londiste. */
final class ReplicaSmoke {
    private final Connections connections;
    private final Map<String, String> env;
    private final ProbeRow probe;

    ReplicaSmoke(Connections connections, Map<String, String> env, ProbeRow probe) {
        this.connections = connections;
        this.env = env;
        this.probe = probe;
    }

    List<Check> logical(Cluster cluster, ClusterState state, Host primary, String db, String token, long writtenAt,
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
                out.add(probe.awaitRow("replicate (logical)", r, db, token, writtenAt, note));
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
        return probe.awaitRow(name, r, db, token, writtenAt, "");
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

    static String conninfoHost(String conninfo) {
        if (conninfo == null) {
            return null;
        }
        var m = java.util.regex.Pattern.compile("(?:^|\\s)host\\s*=\\s*'?([^'\\s]+)'?").matcher(conninfo);
        return m.find() ? m.group(1) : null;
    }
}
