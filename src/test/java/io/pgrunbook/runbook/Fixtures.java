package io.pgrunbook.runbook;

import io.pgrunbook.action.Registry;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.LiveState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.cluster.NodeStateBuilder;
import io.pgrunbook.cluster.Verdict;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Inventory;
import io.pgrunbook.inventory.InventoryLoader;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.remote.LocalTransport;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A local-transport inventory, hand-made live states, and an engine wired for tests. */
final class Fixtures {
    static final Path RUNBOOKS = Path.of("src/test/resources/runbooks").toAbsolutePath();

    private Fixtures() {
    }

    static String inventoryYaml(Path hookFile) {
        return """
                version: 1
                defaults:
                  transport: local
                  postgres: {data_dir: /var/lib/pg/main, bin_dir: /usr/lib/postgresql/15/bin}
                clusters:
                  lab:
                    hosts:
                      db1: {address: 127.0.0.1, role: MASTER, pgbouncer: true}
                      db2: {address: 127.0.0.2, role: SLAVE}
                      db3: {address: 127.0.0.3, role: BCP}
                      db4: {address: 127.0.0.4, role: REPLICA, replication: {kind: logical, database: app, subscription: app_sub}}
                    hooks: {event: "echo {event} {cluster} {host} {status} >> HOOKFILE"}
                    contacts: [{name: On-call DBA, phone: "+00 1234 5678"}]
                """.replace("HOOKFILE", hookFile.toString());
    }

    static Inventory inventory(Path dir) {
        return new InventoryLoader(Map.of("HOME", dir.toString())).parse(dir.resolve("inventory.yaml"), inventoryYaml(dir.resolve("hooks.log")));
    }

    static NodeState node(String name, Role role, LiveState st, Long lag, String upstream) {
        return NodeStateBuilder.node(name, "127.0.0." + name.substring(2), role).state(st).timeline(1).lsn("0/3000148")
                .lagBytes(lag).replayPaused(false).upstream(upstream).pgbouncerTargets(Map.of())
                .version(150000, "15.0").probeMillis(3).build();
    }

    /** db1 primary (or the given one), the other physical hosts streaming standbys, db4 logical. */
    static ClusterState state(String primary) {
        List<NodeState> hosts = new ArrayList<>();
        for (String n : List.of("db1", "db2", "db3")) {
            Role r = n.equals("db1") ? Role.MASTER : n.equals("db2") ? Role.SLAVE : Role.BCP;
            hosts.add(n.equals(primary) ? node(n, r, LiveState.PRIMARY, null, null) : node(n, r, LiveState.STANDBY, 0L, primary));
        }
        hosts.add(node("db4", Role.REPLICA, LiveState.LOGICAL, null, primary));
        return new ClusterState("lab", Verdict.HEALTHY, primary, hosts, List.of(), Instant.now(), 5);
    }

    static Runbook runbook(String file) {
        return new RunbookLoader(Registry.builtins()).load(RUNBOOKS.resolve(file));
    }

    /** An engine on local transports; {@code sql} may be null when the runbook has no sql step. */
    static final class Rig {
        final Path dir;
        final Inventory inv;
        final Cluster cluster;
        final StringWriter errText = new StringWriter();
        final PrintWriter err = new PrintWriter(errText, true);
        Executor.StateSource states = c -> Fixtures.state("db1");
        io.pgrunbook.action.StepRuntime.SqlOpener sql;
        Connections connections = new Connections(h -> new LocalTransport(h.name()));

        Rig(Path dir) {
            this.dir = dir;
            this.inv = inventory(dir);
            this.cluster = inv.cluster("lab");
        }

        RunbookEngine engine(Confirmer confirmer) {
            return new RunbookEngine(new RunbookEngine.Env(dir.resolve("state"), dir, connections, c -> states.probe(c),
                    (h, db) -> sql.open(h, db), Registry.builtins(), confirmer, err, "tester", RunbookEngine.machine(), io.pgrunbook.cli.ExitCodes::of));
        }

        RunResult run(String runbook, Map<String, String> params, Confirmer confirmer, Executor.Options opts) {
            return engine(confirmer).run(inv, cluster, runbook(runbook), params, opts);
        }

        String err() {
            return errText.toString();
        }

        Path state() {
            return dir.resolve("state");
        }
    }

    static Executor.Options yes() {
        return new Executor.Options(false, true, java.util.Set.of(), false);
    }

    static Executor.Options ask() {
        return Executor.Options.INTERACTIVE;
    }
}
