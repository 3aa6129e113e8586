package io.pgrunbook.cluster;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.PgSettings;
import io.pgrunbook.pgbouncer.PgBouncerAdmin;
import io.pgrunbook.pgbouncer.PgBouncerConsole;
import io.pgrunbook.pgbouncer.Repoint;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.remote.HostKeyException;
import io.pgrunbook.remote.TransportException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How {@code status} reads a host's PgBouncer: its databases' targets and paused flags, and the PAUSE guard's state.
 * <p>
 * An SSH host whose PostgreSQL is reached directly ({@code connect: direct}) has its console read from here over the
 * PostgreSQL protocol: a healthy host then costs no SSH handshake. SSH is opened only for what only the host can tell:
 * the guard's state file when a managed database is paused (who paused, until when), and the console itself when it
 * refuses the login from here (no password for its admin user in our password file, a port we cannot reach): then
 * psql on the host, as before, and {@code -v} says why. Every other host (local; {@code connect: tunnel}, where the
 * SSH connection is open for the SQL anyway) runs psql on the host and reads the guard in the same command, which also
 * tells of a guard that resumed a pause after its run died.
 */
final class PgBouncerRead {
    private static final Logger LOG = LoggerFactory.getLogger("io.pgrunbook.cluster");

    private PgBouncerRead() {
    }

    /**
     * Whether the console is read from here first: an SSH host reached directly, and a local host with no guard state
     * file (the usual case: a run that ends its pause removes the file), where one psql process less is what counts
     * when a fleet of clusters is read at once. A local host whose file is there, or cannot be seen from this user,
     * is read as before, console and guard in one command.
     */
    static boolean fromHere(Host host) {
        if (host.transport() == Host.TransportKind.LOCAL) {
            return java.nio.file.Files.notExists(java.nio.file.Path.of(io.pgrunbook.pgbouncer.PauseGuard.stateFile(host)));
        }
        return host.overSsh() && host.postgres().connect() == PgSettings.ConnectMode.DIRECT;
    }

    /**
     * How long the console's TCP connect may take before psql on the host is asked instead: a console port that a
     * firewall drops would otherwise cost the whole connect_timeout on every status; a reachable one answers in
     * milliseconds. The login itself keeps the host's connect_timeout (a cold JVM's first login is slow under load).
     */
    static final Duration CONSOLE_CONNECT = Duration.ofSeconds(1);

    /** The managed databases' targets, " (paused)" after a paused one: what status shows and judges. */
    static Map<String, String> targets(Host host, List<PgBouncerAdmin.Database> databases) {
        Map<String, String> targets = new LinkedHashMap<>();
        for (PgBouncerAdmin.Database d : databases) {
            if (Repoint.managed(host, d.name())) {
                targets.put(d.name(), d.target() + (d.paused() ? " (paused)" : ""));
            }
        }
        return targets;
    }

    /** Whether the guard's state file has something to explain: a managed database is paused. */
    static boolean guardNeeded(Map<String, String> targets) {
        return targets.values().stream().anyMatch(t -> t.endsWith(" (paused)"));
    }

    static void read(Host host, Connections connections, NodeStateBuilder b, Duration timeout, Map<String, String> env) {
        if (fromHere(host)) {
            InetSocketAddress console = InetSocketAddress.createUnresolved(host.address(), host.pgbouncer().port());
            long start = System.nanoTime();
            List<PgBouncerAdmin.Database> databases = null;
            try {
                databases = PgBouncerConsole.databases(host, console, min(CONSOLE_CONNECT, host.postgres().connectTimeout()), host.postgres().connectTimeout(), timeout, env);
            } catch (SQLException e) {
                LOG.debug("{}: PgBouncer console {}:{} not read from here ({}): reading it with psql over SSH (the port"
                                + " reachable from here and a password file line {}:{}:pgbouncer:{}:PASSWORD spare that)",
                        host.name(), host.address(), host.pgbouncer().port(), oneLine(e), host.address(),
                        host.pgbouncer().port(), host.pgbouncer().adminUser());
            }
            if (databases != null) {
                LOG.debug("{}: PgBouncer console {}:{} read from here in {} ms", host.name(), host.address(),
                        host.pgbouncer().port(), (System.nanoTime() - start) / 1_000_000);
                Map<String, String> targets = targets(host, databases);
                if (!guardNeeded(targets)) {
                    b.pgbouncerTargets = targets;
                    return;
                }
                try {
                    b.pgbouncerGuard = new PgBouncerAdmin(host, connections.to(host)).guard();
                    b.pgbouncerTargets = targets;
                } catch (HostKeyException e) {
                    throw e;
                } catch (TransportException e) {
                    // as when the whole read went over SSH and failed: a pause shown without its guard would say
                    // "nothing will resume it", which we do not know
                    b.pgbouncerError = withoutHost(host, e);
                }
                return;
            }
        }
        onHost(host, connections, b);
    }

    /** psql on the host, the guard's state file in the same remote command. */
    private static void onHost(Host host, Connections connections, NodeStateBuilder b) {
        try {
            PgBouncerAdmin.DatabasesAndGuard read = new PgBouncerAdmin(host, connections.to(host)).databasesAndGuard();
            b.pgbouncerTargets = targets(host, read.databases());
            b.pgbouncerGuard = read.guard();
        } catch (HostKeyException e) {
            throw e;
        } catch (TransportException e) {
            b.pgbouncerError = withoutHost(host, e);
        }
    }

    private static String withoutHost(Host host, TransportException e) {
        return e.getMessage().startsWith(host.name() + ": ") ? e.getMessage().substring(host.name().length() + 2) : e.getMessage();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static String oneLine(SQLException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replaceAll("\\s+", " ").strip();
    }
}
