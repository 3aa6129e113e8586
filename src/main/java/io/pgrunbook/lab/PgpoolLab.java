package io.pgrunbook.lab;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.remote.LocalTransport;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code lab up --with pgpool}: Debian's pgpool-II in front of db1-db3 (not the logical REPLICA) on db1's address, port
 * 9999, pcp on 9898, streaming-replication mode, operator-driven as pgrunbook expects: no failover_command, no failover
 * on a backend error, no health check (which would fail a node over), no auto_failback. Its files live in DIR/pgpool;
 * it runs as the postgres OS user (as root) in the foreground ({@code -n}) of a process of its own session.
 */
public final class PgpoolLab {
    public static final int PORT = 9999;
    public static final int PCP_PORT = 9898;
    public static final String PCP_USER = "pgrunbook";
    private static final Path PGPOOL = Path.of("/usr/sbin/pgpool");

    private final LabLayout layout;
    private final Consumer<String> progress;
    private final String osUser; // null: the current user

    public PgpoolLab(LabLayout layout, String osUser, Consumer<String> progress) {
        this.layout = layout;
        this.osUser = osUser;
        this.progress = progress;
    }

    public static Path dir(LabLayout layout) {
        return layout.dir().resolve("pgpool");
    }

    public static Path pcppass(LabLayout layout) {
        return dir(layout).resolve("pcppass");
    }

    /** Why the lab cannot have pgpool here; empty when it can. */
    public static Optional<String> missing() {
        return Files.isExecutable(PGPOOL) && Files.isExecutable(Path.of("/usr/sbin/pcp_node_info")) ? Optional.empty()
                : Optional.of("no /usr/sbin/pgpool and pcp tools (Debian package pgpool2)");
    }

    /** Before anything is built: pgpool's ports on db1's address must be free. */
    public void checkPortsFree() {
        missing().ifPresent(m -> {
            throw new PgrunbookException(Outcome.FAILED, "lab up --with pgpool: " + m, "apt-get install pgpool2");
        });
        String a = layout.host("db1").address();
        for (int port : List.of(PORT, PCP_PORT)) {
            if (listening(a, port)) {
                throw new PgrunbookException(Outcome.REFUSED, a + ":" + port + " is in use: lab up --with pgpool needs it",
                        "choose another --base-address");
            }
        }
    }

    /** Writes the configuration, starts pgpool and waits until it answers pcp with every backend attached. */
    public void start() {
        Path d = dir(layout);
        String a = layout.host("db1").address();
        progress.accept("pgpool: start pgpool-II on " + a + ":" + PORT + " (pcp " + a + ":" + PCP_PORT + ") in front of db1, db2, db3");
        try {
            Files.createDirectories(d);
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
            write(d.resolve("pgpool.conf"), conf(d, a), "rw-r--r--", osUser);
            write(d.resolve("pool_hba.conf"), "# pgrunbook lab: trust, as the lab's servers\nlocal all all trust\n"
                    + "host all all 127.0.0.0/8 trust\n", "rw-r--r--", osUser);
            byte[] seed = new byte[12];
            new SecureRandom().nextBytes(seed);
            String password = HexFormat.of().formatHex(seed);
            write(d.resolve("pcp.conf"), PCP_USER + ":" + md5(password) + "\n", "rw-------", osUser);
            // the operator's pcp password file (pcp runs as the operator here): the inventory names its path only
            write(pcppass(layout), a + ":" + PCP_PORT + ":" + PCP_USER + ":" + password + "\n", "rw-------", null);
            if (osUser != null) {
                LabFiles.chown(d, osUser);
            }
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new PgrunbookException(Outcome.FAILED, "cannot write the pgpool configuration in " + d + ": " + e.getMessage());
        }
        List<String> argv = new ArrayList<>();
        if (osUser != null && LocalTransport.runningAsRoot()) {
            argv.addAll(List.of("runuser", "-u", osUser, "--"));
        }
        // setsid: pgpool must outlive this JVM and not get its terminal's signals; -n keeps it in the foreground of
        // that session so that its log goes to our file
        argv.addAll(List.of("setsid", PGPOOL.toString(), "-n", "-f", d.resolve("pgpool.conf").toString(), "-F",
                d.resolve("pcp.conf").toString(), "-a", d.resolve("pool_hba.conf").toString()));
        ProcessBuilder pb = new ProcessBuilder(argv).directory(new File("/"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        try {
            pb.start();
        } catch (IOException e) {
            throw new PgrunbookException(Outcome.FAILED, "pgpool did not start: " + e.getMessage());
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            if (listening(a, PORT) && listening(a, PCP_PORT)) {
                last = nodeInfo();
                long up = last.lines().filter(l -> l.contains(" up ") || l.contains(" waiting ")).count();
                if (up == 3 && last.contains(" primary ")) {
                    return;
                }
            }
            sleep();
        }
        throw new PgrunbookException(Outcome.FAILED, "pgpool: not every backend up with a primary after 30 s ("
                + last.strip().replace('\n', ';') + ")", "see " + log());
    }

    /** pcp_node_info -a, as the operator with the lab's password file; empty on failure. */
    private String nodeInfo() {
        ProcessBuilder pb = new ProcessBuilder("/usr/sbin/pcp_node_info", "-h", layout.host("db1").address(), "-p",
                String.valueOf(PCP_PORT), "-U", PCP_USER, "-w", "-a").redirectErrorStream(true);
        pb.environment().put("PCPPASSFILE", pcppass(layout).toString());
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor() == 0 ? out : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private Path log() {
        return dir(layout).resolve("pgpool.log");
    }

    private String conf(Path d, String address) {
        StringBuilder c = new StringBuilder("# pgrunbook lab: pgpool-II, operator-driven (pgrunbook tells it what changed)\n");
        c.append("backend_clustering_mode = 'streaming_replication'\n");
        c.append("listen_addresses = '").append(address).append("'\nport = ").append(PORT).append('\n');
        c.append("unix_socket_directories = '").append(d).append("'\n");
        c.append("pcp_listen_addresses = '").append(address).append("'\npcp_port = ").append(PCP_PORT).append('\n');
        c.append("pcp_socket_dir = '").append(d).append("'\n");
        int id = 0;
        for (LabLayout.LabHost h : layout.hosts()) {
            if (h.role() == io.pgrunbook.inventory.Role.REPLICA) {
                continue;
            }
            c.append("backend_hostname").append(id).append(" = '").append(h.address()).append("'\n");
            c.append("backend_port").append(id).append(" = ").append(LabLayout.PG_PORT).append('\n');
            c.append("backend_weight").append(id).append(" = 1\n");
            c.append("backend_flag").append(id).append(" = 'ALLOW_TO_FAILOVER'\n");
            c.append("backend_application_name").append(id).append(" = '").append(h.name()).append("'\n");
            id++;
        }
        c.append("enable_pool_hba = on\npool_passwd = ''\n");
        c.append("num_init_children = 8\nmax_pool = 2\n");
        c.append("pid_file_name = '").append(d.resolve("pgpool.pid")).append("'\n");
        // pgpool_status (each node's last status) lives in logdir: the lab's own, read again only by this pgpool
        c.append("logdir = '").append(d).append("'\n");
        c.append("wd_ipc_socket_dir = '").append(d).append("'\n");
        c.append("memqcache_oiddir = '").append(d.resolve("oiddir")).append("'\n");
        c.append("load_balance_mode = on\n");
        c.append("sr_check_period = 5\nsr_check_user = 'postgres'\n");
        // operator-driven: pgpool never fails a node over by itself
        c.append("health_check_period = 0\nfailover_command = ''\nfollow_primary_command = ''\n");
        c.append("failover_on_backend_error = off\nauto_failback = off\nuse_watchdog = off\n");
        // after its primary is detached pgpool looks for a new one and queues every pcp request meanwhile: 20 s instead
        // of 5 min, so that a drill whose procedure was undone gets its old primary attached again soon
        c.append("search_primary_node_timeout = 20s\n");
        c.append("log_destination = 'stderr'\n");
        return c.toString();
    }

    /** The inventory lines of the cluster's {@code pgpool} key (indented for the cluster's mapping). */
    public static String inventory(LabLayout layout) {
        return "    pgpool:\n      - {host: db1, port: " + PORT + ", pcp_port: " + PCP_PORT + ", pcp_user: " + PCP_USER
                + ", pcppass_file: \"" + pcppass(layout) + "\"}\n";
    }

    /** Stops the lab's pgpool (its pid file), if it runs. */
    public static void stop(LabLayout layout, Consumer<String> progress) {
        Path pid = dir(layout).resolve("pgpool.pid");
        Optional<ProcessHandle> p;
        try {
            // pgpool ends its pid file with a NUL byte, not a new line
            p = Files.exists(pid) ? ProcessHandle.of(Long.parseLong(Files.readString(pid).replaceAll("(?s)^\\s*(\\d+).*", "$1")))
                    .filter(ProcessHandle::isAlive).filter(ph -> ph.info().command().map(c -> c.endsWith("pgpool")).orElse(true))
                    : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            p = Optional.empty();
        }
        if (p.isEmpty()) {
            return;
        }
        progress.accept("pgpool: stop pgpool-II (pid " + p.get().pid() + ")");
        p.get().destroy(); // SIGTERM: smart shutdown of pgpool and its children
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (p.get().isAlive() && System.nanoTime() < deadline) {
            sleep();
        }
        if (p.get().isAlive()) {
            p.get().descendants().forEach(ProcessHandle::destroyForcibly);
            p.get().destroyForcibly();
        }
    }

    private static void write(Path p, String text, String mode, String owner) throws IOException {
        Files.deleteIfExists(p);
        Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
        Files.writeString(p, text, StandardCharsets.UTF_8);
        if (owner != null) {
            LabFiles.chown(p, owner);
        }
    }

    private static String md5(String s) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static boolean listening(String address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 300);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(250);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgrunbookException(Outcome.ABORTED, "interrupted");
        }
    }
}
