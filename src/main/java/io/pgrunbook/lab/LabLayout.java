package io.pgrunbook.lab;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.inventory.Role;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where everything of a lab lives: four hosts on consecutive loopback addresses from {@code base}, each with its own
 * data, socket and log under {@code dir/<host>}, one shared WAL archive, a marker file that proves the directory is a lab.
 */
public record LabLayout(Path dir, String baseAddress, LabShape shape) {
    public static final String CLUSTER = "lab";
    public static final int PG_PORT = 5432;
    public static final int PGBOUNCER_PORT = 6432;
    public static final int SSH_PORT = 2222;
    public static final String MARKER = ".pgrunbook-lab";
    public static final String DATABASE = "app";
    public static final String PUBLICATION = "app_pub";
    public static final String SUBSCRIPTION = "app_sub";
    public static final String REPLICATION_USER = "replicator";
    public static final String PGBOUNCER_ADMIN = "pgbouncer";
    /** {@code lab up --tablespace}: a tablespace, and a table in it (database postgres: outside the logical publication). */
    public static final String TABLESPACE = "app_ts";
    public static final String TABLESPACE_TABLE = "ts_items";

    /** Characters a lab path may hold: it goes into postgresql.conf, pgbouncer.ini and archive_command unquoted-safe. */
    private static final Pattern SAFE_PATH = Pattern.compile("[A-Za-z0-9_@+=:,./-]+");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    /** One lab host: name, designed role, loopback address, and whether it runs a PgBouncer. */
    public record LabHost(String name, Role role, String address, boolean pgbouncer) {
    }

    /** The project's own shape. */
    public LabLayout(Path dir, String baseAddress) {
        this(dir, baseAddress, LabShape.PLAIN);
    }

    public LabLayout {
        shape = shape == null ? LabShape.PLAIN : shape;
        dir = dir.toAbsolutePath().normalize();
        if (!SAFE_PATH.matcher(dir.toString()).matches()) {
            throw new PgrunbookException(Outcome.USAGE, "lab directory " + dir + " holds spaces, quotes or other"
                    + " special characters; it ends up in postgresql.conf and pgbouncer.ini", "choose a plain path such as ./pglab");
        }
        offset(baseAddress, 0); // validates
    }

    /** {@code base} plus {@code n} in the last octet; only 127.x.y.z addresses, never past .254. */
    static String offset(String base, int n) {
        var m = IPV4.matcher(base == null ? "" : base);
        if (!m.matches()) {
            throw new PgrunbookException(Outcome.USAGE, "base address '" + base + "' is not an IPv4 address",
                    "use a loopback address such as 127.0.0.11");
        }
        int[] o = new int[4];
        for (int i = 0; i < 4; i++) {
            o[i] = Integer.parseInt(m.group(i + 1));
            if (o[i] > 255) {
                throw new PgrunbookException(Outcome.USAGE, "base address '" + base + "' is not an IPv4 address");
            }
        }
        if (o[0] != 127) {
            throw new PgrunbookException(Outcome.USAGE, "base address " + base + " is not a loopback address (127.x.y.z);"
                    + " the lab never listens anywhere else", "use e.g. --base-address 127.0.0.11");
        }
        if (o[3] < 1 || o[3] + 3 > 254) {
            throw new PgrunbookException(Outcome.USAGE, "base address " + base + ": the lab needs four consecutive"
                    + " addresses, from .1 to .254", "use e.g. --base-address 127.0.0.11");
        }
        return o[0] + "." + o[1] + "." + o[2] + "." + (o[3] + n);
    }

    public List<LabHost> hosts() {
        return List.of(new LabHost("db1", Role.MASTER, offset(baseAddress, 0), true),
                new LabHost("db2", Role.SLAVE, offset(baseAddress, 1), true),
                new LabHost("db3", Role.BCP, offset(baseAddress, 2), false),
                new LabHost("db4", Role.REPLICA, offset(baseAddress, 3), false));
    }

    public LabHost host(String name) {
        return hosts().stream().filter(h -> h.name().equals(name)).findFirst().orElseThrow();
    }

    public List<String> addresses() {
        return hosts().stream().map(LabHost::address).toList();
    }

    public Path marker() {
        return dir.resolve(MARKER);
    }

    public Path hostDir(String host) {
        return dir.resolve(host);
    }

    public Path dataDir(String host) {
        return hostDir(host).resolve("data");
    }

    public Path socketDir(String host) {
        return hostDir(host).resolve("run");
    }

    public Path logFile(String host) {
        return hostDir(host).resolve("postgresql.log");
    }

    /** pg_ctl's own -l file: early start-up messages before the logging collector takes over. */
    public Path startupLog(String host) {
        return hostDir(host).resolve("pg_ctl.log");
    }

    public Path archiveDir() {
        return dir.resolve("wal_archive");
    }

    public Path pgbouncerIni(String host) {
        return hostDir(host).resolve("pgbouncer.ini");
    }

    public Path pgbouncerUsers(String host) {
        return hostDir(host).resolve("pgbouncer_users.txt");
    }

    public Path pgbouncerPid(String host) {
        return hostDir(host).resolve("pgbouncer.pid");
    }

    public Path pgbouncerLog(String host) {
        return hostDir(host).resolve("pgbouncer.log");
    }

    /**
     * The tablespace's site path: what a site would use on every host. On one machine the hosts cannot share it, so
     * nothing is made there; each host's {@code postgres.tablespace_map} sends it to {@link #tablespaceDir}.
     */
    public Path tablespaceSitePath() {
        return dir.resolve("ts").resolve(TABLESPACE);
    }

    /** Where {@code host} keeps the tablespace. */
    public Path tablespaceDir(String host) {
        return hostDir(host).resolve("ts_" + TABLESPACE);
    }

    public Path inventory() {
        return dir.resolve("inventory.yaml");
    }

    public Path sshInventory() {
        return dir.resolve("inventory-ssh.yaml");
    }

    public Path sshDir() {
        return dir.resolve("ssh");
    }

    // ------------------------------------------------------------------ the Debian shape

    /** The PostgreSQL major version whose postgresql-common layout the Debian shape uses. */
    public static final String DEBIAN_VERSION = "15";
    /** The SSH login of the Debian shape: not postgres; it becomes postgres with sudo. */
    public static final String DBA_USER = "pgrunbook-dba";

    /**
     * The lab's name in names shared with the rest of the machine (clusters in /etc/postgresql, the sudoers drop-in):
     * from the base address, which no two running labs share (they would listen on the same ports).
     */
    public String labName() {
        return "lab_" + baseAddress.substring(baseAddress.indexOf('.') + 1).replace('.', '_');
    }

    /** The Debian cluster name of a host (pg_lsclusters shows it), e.g. lab_0_180_11_db1. */
    public String clusterName(String host) {
        return labName() + "_" + host;
    }

    /** /etc/postgresql/15/NAME: the host's configuration directory in the Debian shape. */
    public Path confDir(String host) {
        return Path.of("/etc/postgresql", DEBIAN_VERSION, clusterName(host));
    }

    /** The sudoers drop-in of the Debian shape; sudo ignores files in sudoers.d whose names hold a dot. */
    public Path sudoersDropIn() {
        return Path.of("/etc/sudoers.d", "pgrunbook-" + labName().replace('_', '-'));
    }

    /** The operator's password file (PGPASSFILE) of the Debian shape, 0600. */
    public Path operatorPgpass() {
        return dir.resolve("pgpass");
    }

    /** The postgres OS user's password file on the hosts (the servers', pg_basebackup's, pg_rewind's), 0600. */
    public Path serverPgpass() {
        return dir.resolve("pgpass-postgres");
    }
}
