package io.pgrunbook.pgpool;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Pgpool;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.LocalTransport;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Transport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * pgpool-II's pcp tools for one pgpool, run where the inventory says: on the pgpool's own inventory host over its
 * transport, else on this machine. {@code -w}: never prompt; pcp reads the password from ~/.pcppass or PCPPASSFILE of
 * the user running it, so no secret passes through pgrunbook, its command lines or its journal.
 */
public final class Pcp {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final Set<String> ROLES = Set.of("primary", "standby", "main", "replica");

    private final Pgpool pool;
    private final Transport transport; // null: describing only

    public Pcp(Pgpool pool, Transport transport) {
        this.pool = pool;
        this.transport = transport;
    }

    /** The transport the pcp tools of {@code pool} run over: its host's, or this machine's. */
    public static Transport transport(Pgpool pool, Cluster cluster, Function<Host, Transport> byHost) {
        if (pool.host() != null) {
            return byHost.apply(cluster.host(pool.host()).orElseThrow());
        }
        return new LocalTransport(pool.label());
    }

    /** Where the tools run, for the plan: "on db1" or "here". */
    public String where() {
        return pool.host() != null ? "on " + pool.host() : "on this machine";
    }

    public RemoteCommand command(String tool, String... args) {
        List<String> argv = new ArrayList<>();
        if (pool.pcppassFile() != null) {
            // the file's path, never the password: pcp reads the password itself
            argv.addAll(List.of("env", "PCPPASSFILE=" + pool.pcppassFile()));
        }
        argv.addAll(List.of(tool, "-h", pool.address(), "-p", String.valueOf(pool.pcpPort())));
        if (pool.pcpUser() != null) {
            argv.addAll(List.of("-U", pool.pcpUser()));
        }
        argv.add("-w");
        argv.addAll(List.of(args));
        return RemoteCommand.of(argv);
    }

    public RemoteCommand nodeInfo() {
        return command("pcp_node_info", "-a");
    }

    public RemoteCommand attach(int id) {
        return command("pcp_attach_node", "-n", String.valueOf(id));
    }

    public RemoteCommand detach(int id) {
        return command("pcp_detach_node", "-n", String.valueOf(id));
    }

    /**
     * Without --switchover: pgpool only records {@code id} as its primary (and marks every other node down, to be
     * attached again once it streams); with failover_command empty, --switchover would detach the old primary and
     * promote nothing, so pgrunbook never uses it: the runbook's own promote step promotes the server.
     */
    public RemoteCommand promote(int id) {
        return command("pcp_promote_node", "-n", String.valueOf(id));
    }

    /** Runs a pcp command; a failure is an exception naming the pgpool, the cause and a hint. */
    public ExecResult run(RemoteCommand cmd) {
        ExecResult r = transport.exec(cmd, ExecOptions.timeout(TIMEOUT));
        if (!r.ok()) {
            throw failure(cmd, r);
        }
        return r;
    }

    private PgrunbookException failure(RemoteCommand cmd, ExecResult r) {
        String tool = cmd.argv().stream().filter(a -> a.startsWith("pcp_")).findFirst().orElse(cmd.argv().get(0));
        String why = oneLine(r.tail(2));
        String hint;
        if (Integer.valueOf(127).equals(r.exitCode()) || why.contains("No such file") || why.contains("not found")) {
            hint = tool + " is not on the PATH " + where() + ": install pgpool2's client tools (Debian: /usr/sbin)";
        } else if (why.contains("authentication") || why.contains("password")) {
            hint = "put 'HOST:PORT:USER:PASSWORD' for " + pool.address() + ":" + pool.pcpPort() + " in "
                    + (pool.pcppassFile() != null ? pool.pcppassFile() : "~/.pcppass (or the file PCPPASSFILE names)")
                    + ", mode 0600, of the user running pcp " + where();
        } else {
            hint = "check that pgpool runs and its pcp port " + pool.pcpPort() + " answers on " + pool.address();
        }
        // the hint is in the message too: a step's failure and status's note show the message only
        return new PgrunbookException(Outcome.FAILED, pool.label() + ": " + tool + " failed (" + r.status() + "): " + why
                + "; " + hint, hint);
    }

    /** Every backend as this pgpool sees it, in node id order. */
    public List<PgpoolNode> nodes() {
        return parse(run(nodeInfo()).stdout());
    }

    /**
     * Parses {@code pcp_node_info -a}: host port status weight status_name [actual_status] role ..., one line per node
     * in id order (4.3 added the actual status and role columns: the role is the first role word after the status name).
     */
    public static List<PgpoolNode> parse(String out) {
        List<PgpoolNode> nodes = new ArrayList<>();
        for (String line : out.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 6 || !f[1].matches("\\d+")) {
                continue;
            }
            String role = null;
            for (int i = 5; i < Math.min(f.length, 8) && role == null; i++) {
                if (ROLES.contains(f[i])) {
                    role = f[i];
                }
            }
            nodes.add(new PgpoolNode(nodes.size(), f[0], Integer.parseInt(f[1]), f[4], f[3], role));
        }
        return nodes;
    }

    /** The backend id of {@code host}: the inventory's, else the node at its address (or postgres.host) and port. */
    public static Optional<Integer> idOf(Pgpool pool, Host host, List<PgpoolNode> nodes) {
        Optional<Integer> given = pool.givenId(host.name());
        if (given.isPresent()) {
            return given;
        }
        return nodes.stream().filter(n -> n.port() == host.postgres().port()
                        && (n.address().equals(host.address()) || n.address().equals(host.pgHost())))
                .map(PgpoolNode::id).findFirst();
    }

    public Pgpool pool() {
        return pool;
    }

    static String oneLine(String s) {
        String t = s == null ? "" : s.strip().replace('\n', ' ');
        return t.isEmpty() ? "no output" : t.length() > 200 ? t.substring(0, 200) + "..." : t;
    }
}
