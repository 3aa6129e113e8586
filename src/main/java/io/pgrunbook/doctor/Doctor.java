package io.pgrunbook.doctor;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.pg.PgSessions;
import io.pgrunbook.pgbouncer.PgBouncerAdmin;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.HostKeyException;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Transport;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks, host by host, that the procedures will work when they are needed: SSH and host key, become, server binaries
 * and one major version, paths, rewind prerequisites, archiving and restore, replication slots, WAL sender headroom,
 * the PgBouncer console, free disk, clock skew, each tablespace outside the data directory (name, path, size; its
 * directory writable; where the inventory's tablespace_map puts it). Read-only. The judgements are in {@link DoctorRules}.
 */
public final class Doctor {
    private static final ExecOptions QUICK = ExecOptions.timeout(Duration.ofSeconds(20));
    private final Connections connections;
    private final Map<String, String> env;

    public Doctor(Connections connections, Map<String, String> env) {
        this.connections = connections;
        this.env = env;
    }

    public DoctorReport run(Cluster cluster) {
        List<Finding> out = new ArrayList<>();
        Map<String, String> majors = new LinkedHashMap<>();
        for (Host h : cluster.hosts()) {
            host(cluster, h, out, majors);
        }
        out.add(DoctorRules.sameMajor(majors));
        out.addAll(BarmanDoctor.findings(cluster, connections));
        out.addAll(PgpoolDoctor.check(cluster, connections));
        return new DoctorReport(cluster.name(), List.copyOf(out));
    }

    private void host(Cluster cluster, Host h, List<Finding> out, Map<String, String> majors) {
        String n = h.name();
        Transport t;
        try {
            t = connections.to(h);
            ExecResult r = t.exec(RemoteCommand.of("true"), QUICK);
            if (!r.ok()) {
                out.add(Finding.fail(n, "connect", r.status() + ": " + r.tail(1), "check the SSH login of this host"));
                return;
            }
            out.add(Finding.pass(n, "connect", h.transport() == Host.TransportKind.OPENSSH ? OpenSshDoctor.connected(t)
                    : h.transport() == Host.TransportKind.SSH
                    ? "SSH " + h.ssh().user() + "@" + h.address() + ":" + h.ssh().port() + ", host key verified" : "local"));
            Finding noisy = DoctorRules.loginNoise(n, r.loginNoise());
            if (noisy != null) {
                out.add(noisy);
            }
        } catch (HostKeyException e) {
            out.add(Finding.fail(n, "connect", e.getMessage(), "verify the fingerprint with the host's owner, then add it to "
                    + h.ssh().knownHosts()));
            return;
        } catch (RuntimeException e) {
            out.add(Finding.fail(n, "connect", e.getMessage(), "check address, SSH port, user and key in the inventory"));
            return;
        }

        out.addAll(VipDoctor.check(cluster, h, t));
        if (h.become() != null) {
            ExecResult r;
            try {
                r = t.exec(RemoteCommand.of("id", "-un").as(h.become()), QUICK);
            } catch (io.pgrunbook.remote.SudoTty.Refused e) {
                // sudo refused for want of a terminal (requiretty): every later check would fail the same way
                out.add(Finding.fail(n, "become", "sudo refuses to run commands as " + e.asUser()
                        + " without a terminal (Defaults requiretty)", io.pgrunbook.remote.SudoTty.fix(e.loginUser())
                        + " in /etc/sudoers.d/pgrunbook"));
                return;
            }
            if (r.ok() && r.stdout().strip().equals(h.become())) {
                out.add(Finding.pass(n, "become", "commands run as " + h.become()));
            } else {
                out.add(Finding.fail(n, "become", "cannot run commands as " + h.become() + ": " + r.tail(1),
                        "allow it without a password: '" + (h.ssh() == null ? "login user" : h.ssh().user())
                                + " ALL=(" + h.become() + ") NOPASSWD: ALL' in /etc/sudoers.d/pgrunbook"));
            }
        } else {
            out.add(Finding.skip(n, "become", "no become user: commands run as the login user"));
        }

        ExecResult v = t.exec(RemoteCommand.of(h.postgres().bin("pg_ctl"), "--version").as(h.become()), QUICK);
        String major = v.ok() ? DoctorRules.major(v.stdout()) : null;
        if (major != null) {
            majors.put(n, major);
            out.add(Finding.pass(n, "server binaries", v.stdout().strip()));
        } else {
            out.add(Finding.fail(n, "server binaries", h.postgres().bin("pg_ctl") + ": " + v.tail(1),
                    "set postgres.bin_dir to the directory of pg_ctl, pg_rewind and pg_basebackup"));
        }

        path(t, h, out, "data directory", "-d", h.postgres().dataDir());
        path(t, h, out, "config file", "-f", h.postgres().effectiveConfigFile());
        if (h.postgres().logFile() != null) {
            path(t, h, out, "log file", "-f", h.postgres().logFile());
        }
        if (h.hasPgBouncer()) {
            path(t, h, out, "pgbouncer config", "-f", h.pgbouncer().configFile());
        }
        LondisteDoctor.host(cluster, h, t, out);

        List<String[]> tablespaces = new ArrayList<>();
        Long largest = sql(cluster, h, out, tablespaces);
        for (String[] ts : tablespaces) {
            String p = io.pgrunbook.remote.Shell.quote(ts[1]);
            ExecResult r = t.exec(RemoteCommand.shell("if [ ! -d " + p + " ]; then echo missing; elif [ -w " + p + " ]; then echo ok; else echo readonly; fi")
                    .as(h.become()), QUICK);
            String inventoryPath = h.postgres().tablespacePath(h.postgres().tablespaceSitePath(ts[1]));
            out.add(DoctorRules.tablespace(n, ts[0], ts[1], ts[2] == null ? null : Long.valueOf(ts[2]), inventoryPath,
                    r.ok() ? r.stdout().strip() : null, h.become() == null ? "the login user" : h.become()));
        }

        ExecResult df = t.exec(RemoteCommand.of("df", "-Pk", h.postgres().dataDir()).as(h.become()), QUICK);
        Long avail = df.ok() ? DoctorRules.dfAvailableKb(df.stdout()) : null;
        out.add(avail == null ? Finding.fail(n, "free disk", "df -Pk " + h.postgres().dataDir() + ": " + df.tail(1), "check data_dir")
                : DoctorRules.disk(n, h.postgres().dataDir(), avail, largest));

        if (h.hasPgBouncer()) {
            try {
                var rows = new PgBouncerAdmin(h, t).show("VERSION");
                out.add(Finding.pass(n, "pgbouncer console", rows.isEmpty() ? "answers" : rows.get(0).values().iterator().next()));
            } catch (HostKeyException e) {
                throw e;
            } catch (RuntimeException e) {
                out.add(Finding.fail(n, "pgbouncer console", e.getMessage(), "add " + h.pgbouncer().adminUser()
                        + " to admin_users and let it log in from " + h.address() + " (auth_file/auth_hba_file)"));
            }
        }

        long before = System.currentTimeMillis();
        ExecResult d = t.exec(RemoteCommand.of("date", "+%s.%N"), QUICK);
        long after = System.currentTimeMillis();
        try {
            double remote = Double.parseDouble(d.stdout().strip());
            out.add(DoctorRules.clock(n, remote - (before + after) / 2000.0));
        } catch (NumberFormatException e) {
            out.add(Finding.fail(n, "clock skew", "date +%s.%N said: " + d.tail(1), "needs GNU or BSD date"));
        }
    }

    private static void path(Transport t, Host h, List<Finding> out, String what, String test, String path) {
        ExecResult r = t.exec(RemoteCommand.of("test", test, path).as(h.become()), QUICK);
        out.add(r.ok() ? Finding.pass(h.name(), what, path)
                : Finding.fail(h.name(), what, path + " is missing (or not readable by " + (h.become() == null ? "the login user" : h.become()) + ")",
                "fix the path in the inventory or on the host"));
    }

    /** The SQL checks of one server; returns its largest database size for the disk check. */
    private Long sql(Cluster cluster, Host h, List<Finding> out, List<String[]> tablespaces) {
        String n = h.name();
        try (Connection c = PgSessions.open(h, connections, null, h.postgres().statementTimeout(), env);
             Statement st = c.createStatement()) {
            boolean recovery = bool(st, "SELECT pg_is_in_recovery()");
            out.add(DoctorRules.rewindable(n, text(st, "SHOW data_checksums"), text(st, "SHOW wal_log_hints")));
            if (recovery) {
                out.add(DoctorRules.restoreCommand(n, text(st, "SHOW restore_command")));
            } else if (h.role().isPhysical()) {
                primaryChecks(cluster, h, st, out);
            }
            String size = text(st, "SELECT max(pg_database_size(oid)) FROM pg_database WHERE datallowconn");
            // in-place tablespaces (a relative location) live inside the data directory; the size needs CREATE on the
            // tablespace or pg_read_all_stats, and without them is left out rather than failing the whole check
            try (ResultSet rs = st.executeQuery("SELECT spcname, pg_tablespace_location(oid), CASE WHEN has_tablespace_privilege(oid, 'CREATE')"
                    + " OR pg_has_role('pg_read_all_stats', 'MEMBER') THEN pg_tablespace_size(oid) END"
                    + " FROM pg_tablespace WHERE pg_tablespace_location(oid) LIKE '/%' ORDER BY spcname")) {
                while (rs.next()) {
                    tablespaces.add(new String[]{rs.getString(1), rs.getString(2), rs.getString(3)});
                }
            }
            return size == null ? null : Long.valueOf(size);
        } catch (HostKeyException e) {
            throw e;
        } catch (RuntimeException | SQLException e) {
            out.add(Finding.fail(n, "postgres", e.getMessage(), "start PostgreSQL or fix postgres.* connection settings"));
            return null;
        }
    }

    private static void primaryChecks(Cluster cluster, Host h, Statement st, List<Finding> out) throws SQLException {
        String n = h.name();
        Integer ready = null;
        try {
            ready = Integer.valueOf(text(st, "SELECT count(*) FROM pg_ls_dir('pg_wal/archive_status') f WHERE f LIKE '%.ready'"));
        } catch (SQLException e) {
            // pg_ls_dir needs superuser or a grant: judge without the count (a failed statement spoils an open
            // transaction, not an autocommit session)
            if (!st.getConnection().getAutoCommit()) {
                st.getConnection().rollback();
            }
        }
        try (ResultSet rs = st.executeQuery("SELECT current_setting('archive_mode'), failed_count, last_archived_time,"
                + " last_failed_time, last_failed_wal,"
                // hidden, not an error, for a role without pg_read_all_settings
                + " (SELECT setting FROM pg_settings WHERE name = 'archive_command') FROM pg_stat_archiver")) {
            rs.next();
            out.add(DoctorRules.archiver(n, rs.getString(1), rs.getLong(2), rs.getObject(3, OffsetDateTime.class),
                    rs.getObject(4, OffsetDateTime.class), rs.getString(5), ready, rs.getString(6)));
        }
        List<DoctorRules.Slot> slots = new ArrayList<>();
        try (ResultSet rs = st.executeQuery("SELECT slot_name, slot_type, active,"
                + " pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint FROM pg_replication_slots ORDER BY slot_name")) {
            while (rs.next()) {
                long retained = rs.getLong(4);
                slots.add(new DoctorRules.Slot(rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.wasNull() ? null : retained));
            }
        }
        List<String> expected = cluster.hosts().stream().filter(o -> o.role().isPhysical() && !o.name().equals(n)
                && o.replication().slots()).map(Host::name).toList();
        out.addAll(DoctorRules.slots(n, expected, slots));
        roles(cluster, h, st, out);
        try (ResultSet rs = st.executeQuery("SELECT current_setting('max_wal_senders')::int,"
                + " (SELECT count(*) FROM pg_stat_replication)::int")) {
            rs.next();
            out.add(DoctorRules.walSenders(n, rs.getInt(1), rs.getInt(2)));
        }
    }

    /** The privileges failback (pg_rewind, CHECKPOINT) and streaming need, on the primary, for roles that are not superusers. */
    private static void roles(Cluster cluster, Host h, Statement st, List<Finding> out) throws SQLException {
        StringBuilder q = new StringBuilder("SELECT current_user::text, rolsuper, EXISTS (SELECT 1 FROM pg_roles c WHERE c.rolname = 'pg_checkpoint'"
                + " AND pg_has_role(current_user, c.oid, 'MEMBER'))");
        for (String f : DoctorRules.REWIND_FUNCTIONS) {
            q.append(", has_function_privilege('").append(f).append("', 'EXECUTE')");
        }
        q.append(" FROM pg_roles WHERE rolname = current_user");
        try (ResultSet rs = st.executeQuery(q.toString())) {
            if (rs.next()) {
                Map<String, Boolean> exec = new LinkedHashMap<>();
                for (int i = 0; i < DoctorRules.REWIND_FUNCTIONS.size(); i++) {
                    exec.put(DoctorRules.REWIND_FUNCTIONS.get(i), rs.getBoolean(4 + i));
                }
                out.add(DoctorRules.rewindRole(h.name(), rs.getString(1), rs.getBoolean(2), exec, rs.getBoolean(3)));
            }
        }
        Map<String, List<String>> users = new LinkedHashMap<>();
        for (Host o : cluster.hosts()) {
            if (o.role().isPhysical() && !o.equals(h)) {
                users.computeIfAbsent(o.replication().user(), k -> new ArrayList<>()).add(o.name());
            }
        }
        for (Map.Entry<String, List<String>> u : users.entrySet()) {
            try (java.sql.PreparedStatement ps = st.getConnection().prepareStatement(
                    "SELECT rolsuper, rolcanlogin, rolreplication FROM pg_roles WHERE rolname = ?")) {
                ps.setString(1, u.getKey());
                try (ResultSet rs = ps.executeQuery()) {
                    boolean exists = rs.next();
                    out.add(DoctorRules.replicationRole(h.name(), new DoctorRules.RoleFacts(u.getKey(), exists,
                            exists && rs.getBoolean(1), exists && rs.getBoolean(2), exists && rs.getBoolean(3)), u.getValue()));
                }
            }
        }
    }

    private static String text(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static boolean bool(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
