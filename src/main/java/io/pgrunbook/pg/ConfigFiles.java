package io.pgrunbook.pg;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The configuration files a node keeps in its own data directory: they say who the node is (listen address, ports,
 * memory, its pg_hba), so a rebuild, an rsync or a rewind from another node must not replace them with the source's.
 * postgresql.auto.conf is not among them: PostgreSQL writes it, and StandbyConfig rewrites its standby lines.
 */
public final class ConfigFiles {
    /** The files every data directory may hold. */
    public static final List<String> STANDARD = List.of("postgresql.conf", "pg_hba.conf", "pg_ident.conf");
    private static final Pattern INCLUDE = Pattern.compile(
            "^\\s*(include|include_if_exists)\\s*=?\\s*'([^']+)'", Pattern.MULTILINE);

    private ConfigFiles() {
    }

    /**
     * The standard files plus those postgresql.conf includes by a plain relative name (a file next to it in the data
     * directory). Absolute paths and sub-directories live outside what a copy replaces; include_dir is not followed.
     */
    public static List<String> kept(String postgresqlConf) {
        Set<String> out = new LinkedHashSet<>(STANDARD);
        if (postgresqlConf != null) {
            Matcher m = INCLUDE.matcher(postgresqlConf);
            while (m.find()) {
                String f = m.group(2);
                if (!f.contains("/") && !f.equals(".") && !f.equals("..")) {
                    out.add(f);
                }
            }
        }
        return new ArrayList<>(out);
    }

    /**
     * rsync's exclusions for a data directory copied from a running server (what pg_basebackup leaves out too), plus
     * the files the target keeps. Anchored at the top of the copy ("/x"), so a table's file named like one is copied.
     */
    public static List<String> rsyncExcludes(List<String> keep) {
        List<String> out = new ArrayList<>(List.of("/postmaster.pid", "/postmaster.opts", "/pg_wal/*", "/pg_replslot/*",
                "/pg_stat_tmp/*", "/pg_dynshmem/*", "/pg_notify/*", "/pg_serial/*", "/pg_snapshots/*", "/pg_subtrans/*",
                "pgsql_tmp*", "/standby.signal", "/recovery.signal", "/recovery.conf", "/backup_label", "/backup_label.old",
                "/tablespace_map", "/tablespace_map.old", "/current_logfiles", "/postgresql.auto.conf.tmp"));
        for (String k : keep) {
            out.add("/" + k);
        }
        return out;
    }
}
