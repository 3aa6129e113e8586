package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.remote.Shell;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The user tablespaces outside the data directory, as a source server reports them, and where each host keeps them.
 * PostgreSQL stores no tablespace path in its catalog: {@code pg_tablespace_location} reads the server's own
 * {@code pg_tblspc/OID} link, so a source reports its own path, which its {@code tablespace_map} turns back into the
 * site path, which the target's {@code tablespace_map} turns into the target's path.
 */
final class Tablespaces {
    /** A tablespace: its oid (the name of its pg_tblspc link), name, and where the source keeps it. */
    record Tablespace(long oid, String name, String location) {
        String sitePath(Host source) {
            return source.postgres().tablespaceSitePath(location);
        }

        /** Where {@code h} keeps it, by {@code h}'s tablespace_map (the site path without one). */
        String pathOn(Host h, Host source) {
            return h.postgres().tablespacePath(sitePath(source));
        }

        /** The link in {@code h}'s data directory. */
        String link(Host h) {
            return h.postgres().dataDir() + "/pg_tblspc/" + oid;
        }
    }

    private Tablespaces() {
    }

    /**
     * The tablespaces with an absolute location; in-place ones (allow_in_place_tablespaces: a relative
     * pg_tblspc/OID) live inside the data directory and are copied with it.
     */
    static List<Tablespace> of(Connection c) throws SQLException {
        List<Tablespace> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT oid::bigint, spcname::text, pg_tablespace_location(oid) FROM pg_tablespace"
                        + " WHERE pg_tablespace_location(oid) LIKE '/%' ORDER BY spcname")) {
            while (rs.next()) {
                out.add(new Tablespace(rs.getLong(1), rs.getString(2), rs.getString(3)));
            }
        }
        return out;
    }

    /** pg_basebackup's {@code -T OLD=NEW} for each tablespace the target keeps elsewhere than the source. */
    static List<String> mappingArgs(List<Tablespace> ts, Host target, Host source) {
        List<String> a = new ArrayList<>();
        for (Tablespace t : ts) {
            String here = t.pathOn(target, source);
            if (!here.equals(t.location())) {
                a.add("--tablespace-mapping=" + t.location() + "=" + here);
            }
        }
        return a;
    }

    /**
     * The tablespace_map a backup returned ("OID PATH" lines, the source's paths), with the target's paths: at start-up
     * from backup_label, PostgreSQL remakes every pg_tblspc link from this file.
     */
    static String remap(String spcmap, List<Tablespace> ts, Host target, Host source) {
        StringBuilder out = new StringBuilder();
        for (String line : spcmap.split("\n", -1)) {
            int sp = line.indexOf(' ');
            String rewritten = line;
            if (sp > 0) {
                String oid = line.substring(0, sp);
                for (Tablespace t : ts) {
                    if (Long.toString(t.oid()).equals(oid)) {
                        rewritten = oid + " " + t.pathOn(target, source);
                    }
                }
            }
            out.append(rewritten).append('\n');
        }
        // split with -1 keeps a last empty piece for the final newline: do not add a second one
        return out.substring(0, out.length() - 1);
    }

    /** A shell test that every link of {@code ts} in the target's pg_tblspc points at the target's own path. */
    static String linksScript(List<Tablespace> ts, Host target, Host source) {
        StringBuilder s = new StringBuilder("rc=0; ");
        for (Tablespace t : ts) {
            String want = t.pathOn(target, source);
            s.append("l=$(readlink ").append(Shell.quote(t.link(target))).append("); if [ \"$l\" != ").append(Shell.quote(want))
                    .append(" ]; then echo \"pg_tblspc/").append(t.oid()).append(" (").append(t.name()).append(") points at '$l', not ")
                    .append(want).append("\"; rc=1; fi; ");
        }
        return s.append("exit $rc").toString();
    }

    static String names(List<Tablespace> ts, Host target, Host source) {
        List<String> n = new ArrayList<>();
        for (Tablespace t : ts) {
            n.add(t.name() + " at " + t.pathOn(target, source));
        }
        return String.join(", ", n);
    }
}
