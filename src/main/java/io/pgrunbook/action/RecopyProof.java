package io.pgrunbook.action;


import io.pgrunbook.inventory.Host;
import io.pgrunbook.pg.Conninfo;
import io.pgrunbook.pg.Quote;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Shell;

import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What must hold before a REPLICA's tables are truncated for a fresh copy, so that the copy cannot fail after the
 * TRUNCATE and leave the REPLICA empty: the subscription's own user reaches the new primary (tried from the REPLICA,
 * with the subscription's own connection string) and may SELECT every published table; every published table exists
 * on the REPLICA with columns the copy can fill (missing ones are listed to be created from the primary's catalog);
 * the slot CREATE SUBSCRIPTION will create is free or the subscription's own. Read-only.
 */
record RecopyProof(String conninfo, String user, List<String> published, Map<String, Table> missing, List<String> refusals,
                   boolean ownSlotOnPrimary) {

    /** A published table as the primary defines it: its columns, primary key, replica identity. */
    record Table(String schema, String name, List<Column> columns, String primaryKey, boolean identityFull) {
        String qualified() {
            return Quote.ident(schema) + "." + Quote.ident(name);
        }

        /** schema.name, quoted only where a name needs it: how the operator writes it, and what to_regclass reads. */
        String display() {
            return plain(schema) + "." + plain(name);
        }

        private static String plain(String n) {
            return n.matches("[a-z_][a-z0-9_$]*") ? n : Quote.ident(n);
        }

        /** CREATE TABLE from the primary's catalog: columns, types, NOT NULL, primary key; no defaults (their sequences are the primary's). */
        List<String> ddl() {
            List<String> cols = new ArrayList<>();
            for (Column c : columns) {
                cols.add(Quote.ident(c.name()) + " " + c.type() + (c.notNull() ? " NOT NULL" : ""));
            }
            if (primaryKey != null) {
                cols.add(primaryKey);
            }
            List<String> out = new ArrayList<>();
            out.add("CREATE SCHEMA IF NOT EXISTS " + Quote.ident(schema));
            out.add("CREATE TABLE " + qualified() + " (" + String.join(", ", cols) + ")");
            if (identityFull) {
                out.add("ALTER TABLE " + qualified() + " REPLICA IDENTITY FULL");
            }
            return out;
        }
    }

    record Column(String name, String type, boolean notNull, String category, boolean hasDefault) {
    }

    static final Duration CONNECT_LIMIT = Duration.ofSeconds(30);

    /** Everything that stands in the way, with the missing tables as refusals too (for the TRUNCATE's own precondition). */
    List<String> refusalsCountingMissing(Host replica) {
        List<String> all = new ArrayList<>(refusals);
        if (!missing.isEmpty()) {
            all.add("published tables missing on " + replica.name() + ": " + String.join(", ", missing.keySet())
                    + "; fix: run repair-replica again (its step creates them before the copy)");
        }
        return all;
    }

    /** The subscription's connection moved to {@code primary}: its own user and options, only host and port changed. */
    static String keptConninfo(Host replica, Host primary, String current) {
        if (current == null) {
            // no subscription to learn the site's connection from: the inventory's is all there is
            return ReplicaSupport.conninfo(replica, primary);
        }
        return Conninfo.withServer(current, primary.pgHost(), primary.postgres().port(), primary.address());
    }

    static RecopyProof prove(StepRuntime rt, Host replica, Host primary, ReplicaSupport.Info info) throws SQLException {
        List<String> refusals = new ArrayList<>();
        String db = ReplicaSupport.repl(replica).database();
        String sub = info.subscription();
        String conninfo;
        try {
            conninfo = keptConninfo(replica, primary, info.exists() ? info.conninfo() : null);
        } catch (IllegalArgumentException e) {
            refusals.add(replica.name() + ": the connection string of subscription " + sub + " cannot be rewritten (" + e.getMessage()
                    + "); fix: ALTER SUBSCRIPTION " + sub + " CONNECTION in keyword=value form (host=... port=... user=... dbname=...)");
            return new RecopyProof(null, null, List.of(), Map.of(), refusals, false);
        }
        List<String> pubs = info.publications();
        if (pubs.isEmpty()) {
            refusals.add(replica.name() + ": no publication known for " + sub + "; fix: set replication.publication in the inventory");
            return new RecopyProof(conninfo, null, List.of(), Map.of(), refusals, false);
        }
        for (String p : pubs) {
            if (!info.publicationsOnPrimary().contains(p)) {
                refusals.add("publication " + p + " (of " + replica.name() + "'s subscription " + sub + ") does not exist on " + primary.name()
                        + "; fix: CREATE PUBLICATION " + p + " on " + primary.name());
            }
        }
        Map<String, Table> onPrimary = publishedTables(rt, primary, db, pubs);
        Map<String, Table> onReplica = tables(rt, replica, db, onPrimary.values());
        Map<String, Table> missing = new LinkedHashMap<>();
        List<String> missingTypes = new ArrayList<>();
        for (Table t : onPrimary.values()) {
            Table r = onReplica.get(t.display());
            if (r == null) {
                missing.put(t.display(), t);
                for (Column c : t.columns()) {
                    if (!typeExists(rt, replica, db, c.type())) {
                        missingTypes.add(t.display() + "." + c.name() + " of type " + c.type());
                    }
                }
                continue;
            }
            String why = incompatible(t, r);
            if (why != null) {
                refusals.add(t.display() + " on " + replica.name() + " " + why + "; fix: make " + replica.name()
                        + "'s table match " + primary.name() + "'s (ALTER TABLE on " + replica.name() + ")");
            }
        }
        if (!missingTypes.isEmpty()) {
            refusals.add("published tables missing on " + replica.name() + " use types " + replica.name() + " lacks: "
                    + String.join(", ", missingTypes) + "; fix: create the types on " + replica.name()
                    + " (pg_dump --schema-only of them from " + primary.name() + ")");
        }
        String user = connectAsSubscriber(rt, replica, primary, conninfo, refusals);
        if (user != null) {
            privileges(rt, primary, db, pubs, user, refusals);
        }
        boolean own = slot(rt, primary, replica, info, db, refusals);
        return new RecopyProof(conninfo, user, List.copyOf(onPrimary.keySet()), missing, refusals, own);
    }

    /** Tries the subscription's own connection from the REPLICA, as the server's OS user would; the user it logged in as, or null. */
    private static String connectAsSubscriber(StepRuntime rt, Host replica, Host primary, String conninfo, List<String> refusals) {
        String where = primary.name() + " (" + primary.pgHost() + ":" + primary.postgres().port() + ")";
        String user = Conninfo.parse(conninfo).get("user");
        String who = user != null ? "the subscription's user " + user : "the subscription's connection (no user= in it)";
        // the connection string arrives on stdin: a password in it stays out of the process list and the journal
        String script = "IFS= read -r c; PGCONNECT_TIMEOUT=10 exec " + Shell.quote(replica.postgres().bin("psql"))
                + " -X -q -A -t -w -v ON_ERROR_STOP=1 -d \"$c\" -c "
                + Shell.quote("SELECT current_user || '|' || (rolsuper OR rolreplication)::text FROM pg_roles WHERE rolname = current_user");
        ExecResult r;
        try {
            r = rt.transport(replica).exec(RemoteCommand.shell(script).withStdin((conninfo + "\n").getBytes(StandardCharsets.UTF_8))
                    .withDisplay("psql -d <the subscription's connection to " + primary.name() + "> -c 'SELECT current_user ...'")
                    .as(replica.become()), ExecOptions.timeout(CONNECT_LIMIT));
        } catch (RuntimeException e) {
            refusals.add(replica.name() + ": cannot try " + who + " to " + where + ": " + e.getMessage());
            return null;
        }
        String out = r.stdout().strip();
        if (r.exitCode() != null && (r.exitCode() == 127 || r.exitCode() == 126)) {
            refusals.add(replica.name() + ": " + replica.postgres().bin("psql") + " is missing, so " + who + " cannot be tried against "
                    + where + "; fix: install the PostgreSQL client there or set postgres.bin_dir of " + replica.name() + " in the inventory");
            return null;
        }
        if (!r.ok() || !out.contains("|")) {
            String err = io.pgrunbook.core.Secrets.mask((r.stderr() + " " + out).strip().lines().findFirst().orElse(r.status()));
            refusals.add(replica.name() + ": " + who + " cannot connect to " + where + ": " + err + "; fix: allow it in "
                    + primary.name() + "'s pg_hba.conf (and its password in ~/.pgpass of " + (replica.become() != null ? replica.become() : "the server's OS user")
                    + " on " + replica.name() + ")");
            return null;
        }
        String[] f = out.lines().reduce((a, b) -> b).orElse("").split("\\|", 2);
        if (!"true".equals(f[1].strip())) {
            refusals.add(replica.name() + ": the subscription's user " + f[0] + " has no REPLICATION attribute on " + primary.name()
                    + "; fix on " + primary.name() + ": ALTER ROLE " + Quote.ident(f[0]) + " REPLICATION");
        }
        return f[0];
    }

    private static void privileges(StepRuntime rt, Host primary, String db, List<String> pubs, String user, List<String> refusals) throws SQLException {
        List<String> denied = new ArrayList<>();
        try (Connection c = rt.sql(primary, db);
             PreparedStatement ps = c.prepareStatement("SELECT format('%I.%I', schemaname, tablename) FROM"
                     + " (SELECT DISTINCT schemaname, tablename FROM pg_publication_tables WHERE pubname = ANY(?)) p"
                     + " WHERE NOT (has_schema_privilege(?, schemaname, 'USAGE')"
                     + " AND has_table_privilege(?, format('%I.%I', schemaname, tablename), 'SELECT')) ORDER BY 1")) {
            ps.setArray(1, c.createArrayOf("text", pubs.toArray()));
            ps.setString(2, user);
            ps.setString(3, user);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    denied.add(rs.getString(1));
                }
            }
        }
        if (!denied.isEmpty()) {
            refusals.add("the subscription's user " + user + " cannot SELECT " + String.join(", ", denied) + " on " + primary.name()
                    + " (the copy would fail after the TRUNCATE); fix on " + primary.name() + ": GRANT SELECT ON "
                    + String.join(", ", denied) + " TO " + Quote.ident(user) + " (and USAGE on their schemas)");
        }
    }

    /** Whether the slot CREATE SUBSCRIPTION will make is free (false) or the subscription's own (true); refuses anything else. */
    private static boolean slot(StepRuntime rt, Host primary, Host replica, ReplicaSupport.Info info, String db, List<String> refusals)
            throws SQLException {
        String name = info.subscription();
        Map<String, String> s = Sql.row(rt, primary, null, "SELECT slot_type, coalesce(plugin, '') AS plugin, coalesce(database, '') AS database,"
                + " active::text AS active FROM pg_replication_slots WHERE slot_name = " + Quote.literal(name));
        if (s.isEmpty()) {
            return false;
        }
        boolean ours = name.equals(info.slot()) && "logical".equals(s.get("slot_type")) && "pgoutput".equals(s.get("plugin"))
                && db.equals(s.get("database"));
        if (!ours) {
            refusals.add("a replication slot named " + name + " already exists on " + primary.name() + " (" + s.get("slot_type")
                    + (s.get("database").isEmpty() ? "" : ", database " + s.get("database")) + ("true".equals(s.get("active")) ? ", in use" : "")
                    + ") and is not " + replica.name() + "'s subscription's: the new subscription could not create its slot; fix: drop it on "
                    + primary.name() + " (SELECT pg_drop_replication_slot(" + Quote.literal(name) + ")) if nothing uses it");
        }
        return ours;
    }

    static String incompatible(Table primary, Table replica) {
        Map<String, Column> have = new LinkedHashMap<>();
        for (Column c : replica.columns()) {
            have.put(c.name(), c);
        }
        List<String> lacks = new ArrayList<>();
        List<String> differ = new ArrayList<>();
        Set<String> sent = new LinkedHashSet<>();
        for (Column c : primary.columns()) {
            sent.add(c.name());
            Column r = have.get(c.name());
            if (r == null) {
                lacks.add(c.name() + " " + c.type());
            } else if (!r.category().equals(c.category())) {
                differ.add(c.name() + " (" + c.type() + " on the primary, " + r.type() + " here)");
            }
        }
        List<String> unfilled = new ArrayList<>();
        for (Column r : replica.columns()) {
            if (!sent.contains(r.name()) && r.notNull() && !r.hasDefault()) {
                unfilled.add(r.name());
            }
        }
        List<String> why = new ArrayList<>();
        if (!lacks.isEmpty()) {
            why.add("lacks the published columns " + String.join(", ", lacks));
        }
        if (!differ.isEmpty()) {
            why.add("has columns of another kind: " + String.join(", ", differ));
        }
        if (!unfilled.isEmpty()) {
            why.add("has NOT NULL columns without a default that the copy does not fill: " + String.join(", ", unfilled));
        }
        return why.isEmpty() ? null : String.join("; ", why);
    }

    private static final String COLUMNS = "SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,"
            + " t.typcategory::text, a.atthasdef, c.relreplident::text,"
            + " (SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')"
            + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''"
            + " JOIN pg_type t ON t.oid = a.atttypid";

    /** The tables of the publications on the primary, with the columns they send (a PostgreSQL 15 column list honoured). */
    static Map<String, Table> publishedTables(StepRuntime rt, Host primary, String db, List<String> pubs) throws SQLException {
        try (Connection c = rt.sql(primary, db)) {
            boolean columnLists = c.getMetaData().getDatabaseMajorVersion() >= 15;
            String sql = COLUMNS + " JOIN (SELECT schemaname, tablename, " + (columnLists ? "array_agg(DISTINCT u) FILTER (WHERE u IS NOT NULL)"
                    + " AS cols FROM pg_publication_tables LEFT JOIN LATERAL unnest(attnames) u ON true" : "NULL::name[] AS cols FROM pg_publication_tables")
                    + " WHERE pubname = ANY(?) GROUP BY 1, 2) p ON p.schemaname = n.nspname AND p.tablename = c.relname"
                    + " WHERE p.cols IS NULL OR a.attname = ANY(p.cols) ORDER BY 1, 2, a.attnum";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                Array arr = c.createArrayOf("text", pubs.toArray());
                ps.setArray(1, arr);
                return collect(ps);
            }
        }
    }

    /** The same tables as they are on the REPLICA (absent ones absent). */
    static Map<String, Table> tables(StepRuntime rt, Host replica, String db, java.util.Collection<Table> wanted) throws SQLException {
        if (wanted.isEmpty()) {
            return Map.of();
        }
        try (Connection c = rt.sql(replica, db);
             PreparedStatement ps = c.prepareStatement(COLUMNS + " WHERE c.relkind IN ('r', 'p')"
                     + " AND (n.nspname::text, c.relname::text) IN (SELECT * FROM unnest(?::text[], ?::text[])) ORDER BY 1, 2, a.attnum")) {
            ps.setArray(1, c.createArrayOf("text", wanted.stream().map(Table::schema).toArray()));
            ps.setArray(2, c.createArrayOf("text", wanted.stream().map(Table::name).toArray()));
            return collect(ps);
        }
    }

    private static Map<String, Table> collect(PreparedStatement ps) throws SQLException {
        Map<String, Table> out = new LinkedHashMap<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String schema = rs.getString(1);
                String name = rs.getString(2);
                Table t = out.computeIfAbsent(new Table(schema, name, List.of(), null, false).display(), k -> {
                    try {
                        return new Table(schema, name, new ArrayList<>(), rs.getString(9), "f".equals(rs.getString(8)));
                    } catch (SQLException e) {
                        throw new IllegalStateException(e.getMessage(), e);
                    }
                });
                t.columns().add(new Column(rs.getString(3), rs.getString(4), rs.getBoolean(5), rs.getString(6), rs.getBoolean(7)));
            }
        }
        return out;
    }

    private static boolean typeExists(StepRuntime rt, Host replica, String db, String type) throws SQLException {
        try (Connection c = rt.sql(replica, db); PreparedStatement ps = c.prepareStatement("SELECT to_regtype(?) IS NOT NULL")) {
            ps.setString(1, type);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
