package io.pgrunbook.cli;

import io.pgrunbook.cluster.LiveState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.cluster.Verdicts;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.InventoryLoader;
import io.pgrunbook.inventory.Role;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import picocli.CommandLine.Command;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Hidden: loads the classes a typical command needs, so that the launcher can record them once in a class-data
 * sharing archive (-XX:ArchiveClassesAtExit) or, on JDK 24 and later, an ahead-of-time cache (-XX:AOTMode=record).
 * Start-up then drops by about 40%: an operator waits on every command.
 * Touches no host and no file.
 */
@Command(name = "cds-training", hidden = true, description = "Load common classes for a CDS archive (used by bin/pgrunbook).")
public class CdsTrainingCommand extends AbstractCommand {
    @Override
    public Integer call() throws Exception {
        Cluster c = new InventoryLoader(Map.of()).parse(Path.of("training.yaml"), """
                version: 1
                defaults: {ssh: {connect_timeout: 5s}, settings: {max_lag: 16MB}}
                clusters:
                  t:
                    hosts:
                      a: {address: 127.0.0.1, role: MASTER, pgbouncer: {databases: [app]}}
                      b: {address: 127.0.0.2, role: REPLICA, replication: {subscription: s}}
                """).cluster(null);
        var state = Verdicts.judge(c, List.of(new NodeState("a", "127.0.0.1", Role.MASTER, LiveState.PRIMARY, 1, "0/1",
                null, null, null, null, null, null, null, "1", 150000, "15", List.of(), List.of(), null, null, 1, null, null)),
                Instant.now(), 1);
        Json.compact(StatusView.json(state));
        StatusView.table(state, ansi());
        Json.yaml(io.pgrunbook.inventory.InventoryView.of(c));
        Class.forName("org.postgresql.Driver");
        new org.postgresql.core.v3.ConnectionFactoryImpl();
        try (SSHClient ssh = new SSHClient(new DefaultConfig())) {
            ssh.getTransport();
        }
        spec.root().commandLine().getUsageMessage();
        loadRecordedClasses();
        return ExitCodes.OK;
    }

    /**
     * The classes real commands load that the lines above do not (PgJDBC's protocol, our probe and actions, the JDK's
     * networking): recorded from status and from dry-runs of the procedures with -Xlog:class+load (see
     * bench/cds-classes.sh), loaded and initialised here so that they go into the archive too. A name that no longer
     * exists is skipped.
     */
    private static void loadRecordedClasses() throws java.io.IOException {
        ClassLoader loader = CdsTrainingCommand.class.getClassLoader();
        try (var in = CdsTrainingCommand.class.getResourceAsStream("cds-classes.txt")) {
            if (in == null) {
                return;
            }
            for (String name : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                if (name.isBlank()) {
                    continue;
                }
                try {
                    Class.forName(name.strip(), true, loader);
                } catch (Throwable ignored) {
                    // gone from this version, or not loadable on its own: it is loaded when used, as before
                }
            }
        }
    }
}
