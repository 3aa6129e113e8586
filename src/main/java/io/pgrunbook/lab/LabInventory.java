package io.pgrunbook.lab;

import io.pgrunbook.inventory.Role;

import java.nio.file.Path;

/** Writes the lab's inventory files: local transport (the default), or SSH through the lab's sshd. */
public final class LabInventory {
    private LabInventory() {
    }

    /** SSH settings for inventory-ssh.yaml: login user, port, client key, known_hosts. */
    public record Ssh(String user, int port, Path identity, Path knownHosts) {
    }

    /**
     * The inventory text. {@code become}: the OS user that owns PostgreSQL (local transport as root), or null.
     * {@code ssh}: null for the local transport.
     */
    public static String render(LabLayout layout, Path binDir, String become, Ssh ssh) {
        return render(layout, binDir, become, ssh, false);
    }

    /** As above; with {@code tablespace} each physical host maps the tablespace's site path to its own directory. */
    public static String render(LabLayout layout, Path binDir, String become, Ssh ssh, boolean tablespace) {
        StringBuilder y = new StringBuilder();
        y.append("# Written by `pgrunbook lab up`: a throwaway PostgreSQL cluster on this machine's loopback addresses.\n");
        boolean debian = layout.shape() == LabShape.DEBIAN;
        if (debian) {
            y.append("# Debian shape: clusters of postgresql-common (pg_lsclusters), configuration in /etc/postgresql/")
                    .append(LabLayout.DEBIAN_VERSION).append(", scram passwords.\n");
            y.append("# Passwords only in the password file: export PGPASSFILE=").append(layout.operatorPgpass()).append('\n');
            y.append("# Remove with:\n");
        } else {
            y.append("# Lab only: every server trusts every local connection (no passwords). Remove with:\n");
        }
        y.append("#   pgrunbook lab down --dir ").append(layout.dir()).append('\n');
        y.append("version: 1\n");
        y.append("defaults:\n");
        if (ssh == null) {
            y.append("  transport: local\n");
            if (become != null) {
                y.append("  become: ").append(become).append('\n');
            }
        } else {
            y.append("  transport: ssh\n");
            y.append("  ssh:\n");
            y.append("    user: ").append(ssh.user()).append('\n');
            y.append("    port: ").append(ssh.port()).append('\n');
            y.append("    identity: ").append(q(ssh.identity())).append('\n');
            y.append("    known_hosts: ").append(q(ssh.knownHosts())).append('\n');
            y.append("    connect_timeout: 5s\n");
            if (become != null) {
                // the SSH login is not the servers' owner: every server command goes through sudo -n -u postgres
                y.append("  become: ").append(become).append('\n');
            }
        }
        y.append("  postgres:\n");
        y.append("    port: ").append(LabLayout.PG_PORT).append('\n');
        y.append("    user: postgres\n");
        y.append("    database: postgres\n");
        if (ssh != null) {
            // every lab address is reachable from here: a copy with `connect: direct` has status read PostgreSQL and
            // the PgBouncer consoles without SSH (bench/status-direct.sh, StatusDirectIT)
            y.append("    # connect: direct reaches PostgreSQL and the PgBouncer consoles from here: no SSH for a healthy status\n");
        }
        y.append("    connect: ").append(ssh == null ? "direct" : "tunnel").append('\n');
        y.append("    bin_dir: ").append(q(binDir)).append('\n');
        y.append("    archive_dir: ").append(q(layout.archiveDir())).append('\n');
        y.append("  replication: {user: ").append(LabLayout.REPLICATION_USER).append(", slots: true}\n");
        y.append("  pgbouncer: {port: ").append(LabLayout.PGBOUNCER_PORT).append(", admin_user: ")
                .append(LabLayout.PGBOUNCER_ADMIN).append(", databases: [").append(LabLayout.DATABASE).append("]}\n");
        y.append("  settings: {wait_timeout: 60s, promote_timeout: 60s}\n");
        y.append("clusters:\n");
        y.append("  ").append(LabLayout.CLUSTER).append(":\n");
        y.append("    hosts:\n");
        for (LabLayout.LabHost h : layout.hosts()) {
            String n = h.name();
            y.append("      ").append(n).append(":\n");
            y.append("        address: ").append(h.address()).append('\n');
            y.append("        role: ").append(h.role()).append('\n');
            y.append("        postgres:\n");
            y.append("          data_dir: ").append(q(layout.dataDir(n))).append('\n');
            y.append("          socket_dir: ").append(q(layout.socketDir(n))).append('\n');
            y.append("          log_file: ").append(q(layout.logFile(n))).append('\n');
            if (tablespace && h.role() != Role.REPLICA) {
                // a site leaves this out (one path on every host); the lab's hosts share one machine
                y.append("          tablespace_map: {").append(q(layout.tablespaceSitePath())).append(": ")
                        .append(q(layout.tablespaceDir(n))).append("}\n");
            }
            if (debian) {
                y.append("          config_file: ").append(q(layout.confDir(n).resolve("postgresql.conf"))).append('\n');
                y.append("          service:\n");
                for (String action : new String[]{"start", "stop", "restart", "reload"}) {
                    y.append("            ").append(action).append(": ").append(q(DebianLab.service(layout, n, action))).append('\n');
                }
            }
            if (h.pgbouncer()) {
                y.append("        pgbouncer:\n");
                y.append("          config_file: ").append(q(layout.pgbouncerIni(n))).append('\n');
                y.append("          log_file: ").append(q(layout.pgbouncerLog(n))).append('\n');
            }
            if (h.role() == Role.REPLICA) {
                y.append("        replication: {kind: logical, database: ").append(LabLayout.DATABASE)
                        .append(", subscription: ").append(LabLayout.SUBSCRIPTION)
                        .append(", publication: ").append(LabLayout.PUBLICATION).append(", upstream: db1}\n");
            }
        }
        y.append("    smoke: {database: ").append(LabLayout.DATABASE).append("}\n");
        // a throwaway cluster: pgrunbook drill may kill its primary
        y.append("    drill: true\n");
        y.append("    contacts:\n");
        y.append("      - {name: Lab operator (this machine), email: root@localhost}\n");
        return y.toString();
    }

    /** A YAML double-quoted scalar; lab paths hold no quote or backslash (LabLayout checks). */
    private static String q(Path p) {
        return q(p.toString());
    }

    private static String q(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
