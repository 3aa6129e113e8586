package io.pgrunbook.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgrunbook.cluster.ClusterProbe;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.LiveState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.drill.Attempt;
import io.pgrunbook.drill.DrillReport;
import io.pgrunbook.drill.DrillWriter;
import io.pgrunbook.drill.TimelineSvg;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.pg.PgSessions;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.runbook.Journal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code pgrunbook drill SCENARIO}: a procedure run under a writer, measured, and reported next to its journal. */
@Command(name = "drill", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"A measured disaster-recovery drill on a lab or a staging cluster (inventory: 'drill: true'):",
                "a writer commits one row per attempt through the PgBouncers while the scenario runs through the usual",
                "commands (each step shown, confirmed, journaled), then a report next to the journals: RTO (how long",
                "writes were refused), RPO (acknowledged commits lost on the primary afterwards), the time of every step,",
                "who confirmed it and how, and a timeline picture (STATE/runs/ID.drill.md, .json, .svg; the writer's log",
                "ID.writes.tsv).",
                "Scenarios: switchover [--to HOST]; failover [--to HOST] (the primary's postmaster is killed with kill -9",
                "by runbook drill-crash first); failback [HOST] (default: the MASTER); rebuild HOST.",
                "Refused (exit 3) on a cluster without 'drill: true'; --dry-run only shows what it would run."},
        footer = {"", "Exit: 0 the procedure succeeded and no acknowledged commit was lost; 1 a step failed or commits were"
                + " lost; 3 refused; 130 aborted."})
public class DrillCommand extends AbstractCommand {
    /** What a drill rehearses. */
    public enum Scenario { switchover, failover, failback, rebuild }

    @Parameters(index = "0", paramLabel = "SCENARIO", description = "${COMPLETION-CANDIDATES}")
    Scenario scenario;

    @Parameters(index = "1", arity = "0..1", paramLabel = "HOST",
            description = "failback: the node to rejoin (default: the MASTER); rebuild: the standby to rebuild.")
    String host;

    @Option(names = "--to", paramLabel = "HOST",
            description = "switchover, failover: the standby to promote (default: the SLAVE, else a streaming BCP).")
    String to;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "50ms", converter = DurationConverter.class,
            description = "Time between two write attempts of the writer (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Mixin
    ExecutionOptions exec = new ExecutionOptions();

    private static final DateTimeFormatter ID = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    @Override
    public Integer call() throws Exception {
        Path inv = inventoryPath().toAbsolutePath();
        Cluster cluster = cluster();
        exec.checkHosts(cluster);
        PrintWriter err = err();
        if (!cluster.drill() && !exec.dryRun()) {
            throw new PgrunbookException(Outcome.REFUSED, "refused: cluster " + cluster.name() + " is not a drill target"
                    + " (no 'drill: true' in " + inv + "); a drill kills, fails over and rebuilds its servers",
                    "mark only a lab or a staging cluster with 'drill: true' (pgrunbook lab up does), or see what the drill"
                            + " would run with: pgrunbook drill " + scenario + " --dry-run");
        }
        List<Host> routers = cluster.pgbouncers();
        if (routers.isEmpty()) {
            throw new PgrunbookException(Outcome.REFUSED, "refused: cluster " + cluster.name() + " has no PgBouncer in "
                    + inv + ": a drill measures what clients see through the routers", "give the routers 'pgbouncer: true'");
        }
        String database = routers.get(0).pgbouncer().databases().contains(cluster.smoke().database())
                ? cluster.smoke().database() : routers.get(0).pgbouncer().databases().get(0);
        try (Connections connections = context().connections()) {
            ClusterState before = new ClusterProbe(connections, context().env()).probe(cluster);
            List<List<String>> commands = commands(cluster, before);
            err.println("Drill " + scenario + " on cluster " + cluster.name() + " (verdict " + before.verdict()
                    + ", primary " + (before.primary() == null ? "none" : before.primary()) + "). It will run:");
            for (List<String> c : commands) {
                err.println("  $ " + shown(inv, c));
            }
            err.println("with a writer committing one row every " + Units.show(interval) + " through the PgBouncer"
                    + (routers.size() == 1 ? " of " : "s of ") + String.join(", ", routers.stream().map(Host::name).toList())
                    + " (database " + database + ", table " + DrillWriter.TABLE + ").");
            err.flush();
            if (exec.dryRun()) {
                List<String> first = new ArrayList<>(commands.get(0));
                first.add("--dry-run");
                err.println("$ " + shown(inv, first));
                err.flush();
                return sub(inv, first, out(), err, false).code();
            }
            String drillId = ID.format(Instant.now()) + "-" + cluster.name() + "-" + scenario;
            Path runs = Journal.runsDir(context().stateDir());
            privateDir(runs);
            if (!tableExists(routers.get(0), connections, database)) {
                // logical replication carries no DDL: the smoke test creates the table on the REPLICA too, and
                // refreshes its subscription, before any row of it reaches the REPLICA's apply worker
                List<String> smoke = List.of("smoke");
                err.println("The writer's table " + DrillWriter.TABLE + " is made by the smoke test first:");
                err.println("$ " + shown(inv, smoke));
                err.flush();
                sub(inv, smoke, err, err, false);
                if (!tableExists(routers.get(0), connections, database)) {
                    throw new PgrunbookException(Outcome.REFUSED, "refused: " + DrillWriter.TABLE + " is still missing on"
                            + " the primary after the smoke test; nothing was changed", "see 'pgrunbook smoke'");
                }
            }
            List<DrillWriter.Router> rs = routers.stream().map(h -> new DrillWriter.Router(h.name(),
                    () -> PgSessions.openPgBouncer(h, connections, database, context().env()))).toList();
            Path log = runs.resolve(drillId + ".writes.tsv");
            List<String> runIds = new ArrayList<>();
            Instant start;
            Instant end;
            int code = ExitCodes.OK;
            String failedAt = null;
            List<Attempt> attempts;
            DrillWriter writer = new DrillWriter(drillId, rs, log, interval);
            try {
                if (!writer.awaitAcks(20, Duration.ofSeconds(30))) {
                    List<Attempt> a = writer.attempts();
                    String last = a.isEmpty() ? "no attempt" : String.valueOf(a.get(a.size() - 1).error());
                    throw new PgrunbookException(Outcome.REFUSED, "refused: the drill's writer cannot write through "
                            + "PgBouncer (database " + database + "): " + last + "; nothing was changed",
                            "see 'pgrunbook smoke' and 'pgrunbook status'");
                }
                start = Instant.now();
                for (List<String> c : commands) {
                    err.println("$ " + shown(inv, c));
                    err.flush();
                    Sub r = sub(inv, withJson(c), null, err, true);
                    runIds.addAll(r.runIds());
                    if (r.code() != ExitCodes.OK) {
                        code = r.code();
                        failedAt = String.join(" ", c);
                        break;
                    }
                }
                end = Instant.now();
                // the recovery is measured until the writer is through again (or gives up)
                if (!writer.awaitAcks(20, Duration.ofSeconds(30))) {
                    err.println("drill: the writer is not through again 30 s after the procedure ended");
                }
            } finally {
                writer.close();
            }
            // after close: the report counts exactly the attempts of the writer's log, the last one included
            attempts = writer.attempts();
            ClusterState after = new ClusterProbe(connections, context().env()).probe(cluster);
            Set<Long> present = null;
            String checkedOn = after.primary();
            if (checkedOn != null) {
                List<String> found = tokens(cluster.host(checkedOn).orElseThrow(), connections, database, drillId);
                present = found == null ? null : DrillReport.ids(DrillWriter.prefix(drillId), found);
            }
            List<List<JsonNode>> journals = new ArrayList<>();
            for (String id : runIds) {
                journals.add(Journal.read(context().stateDir(), id));
            }
            String result = code == ExitCodes.OK ? "ok" : "failed (exit " + code + " at '" + failedAt + "')";
            DrillReport report = DrillReport.of(drillId, scenario.name(), cluster.name(), result, start, end, attempts,
                    present, checkedOn, journals, log.toString());
            Path md = runs.resolve(drillId + ".drill.md");
            Path json = runs.resolve(drillId + ".drill.json");
            Path svg = runs.resolve(drillId + ".drill.svg");
            Files.writeString(svg, TimelineSvg.render(report, attempts), StandardCharsets.UTF_8);
            Files.writeString(json, report.json(), StandardCharsets.UTF_8);
            Files.writeString(md, report.markdown(svg.getFileName().toString()), StandardCharsets.UTF_8);
            PrintWriter out = out();
            if (global().json()) {
                out.print(report.json());
            } else {
                out.print(StatusView.table(after, ansi()));
                out.println(report.summary());
                out.println("report: " + md);
                out.println("        " + json);
                out.println("        " + svg);
                out.println("writer's log: " + log);
            }
            out.flush();
            if (code != ExitCodes.OK) {
                return code;
            }
            return report.rpo() == 0 ? ExitCodes.OK : ExitCodes.FAILED;
        }
    }

    /** The commands of the scenario, as the operator would type them after {@code pgrunbook -i INVENTORY}. */
    List<List<String>> commands(Cluster cluster, ClusterState s) {
        List<List<String>> out = new ArrayList<>();
        switch (scenario) {
            case switchover -> out.add(confirmed(List.of("switchover", "--to", target(cluster, s))));
            case failover -> {
                String primary = requirePrimary(s);
                String t = target(cluster, s);
                List<String> crash = new ArrayList<>(List.of("run", "drill-crash"));
                if (exec.yes && !exec.confirmHosts.contains(primary)) {
                    // the inventory's 'drill: true' and --yes are the operator's consent to the kill; the journal says so
                    crash.addAll(List.of("--confirm-host", primary));
                }
                out.add(confirmed(crash));
                out.add(confirmed(List.of("failover", "--to", t)));
            }
            case failback -> {
                String h = host != null ? host : cluster.master().map(Host::name).orElseThrow(() -> new PgrunbookException(
                        Outcome.USAGE, "cluster " + cluster.name() + " has no MASTER", "name the node: pgrunbook drill failback HOST"));
                out.add(confirmed(List.of("failback", h)));
            }
            case rebuild -> {
                if (host == null) {
                    throw new PgrunbookException(Outcome.USAGE, "drill rebuild: which standby? HOST is missing",
                            "pgrunbook drill rebuild HOST (a SLAVE or BCP)");
                }
                out.add(confirmed(List.of("rebuild", host)));
            }
        }
        return out;
    }

    private List<String> confirmed(List<String> command) {
        List<String> c = new ArrayList<>(command);
        if (exec.yes) {
            c.add("--yes");
        }
        for (String h : exec.confirmHosts) {
            c.addAll(List.of("--confirm-host", h));
        }
        if (exec.breakLock) {
            c.add("--break-lock");
        }
        return c;
    }

    private String target(Cluster cluster, ClusterState s) {
        if (to != null) {
            return to;
        }
        requirePrimary(s);
        for (Role r : List.of(Role.SLAVE, Role.BCP)) {
            for (NodeState n : s.hosts()) {
                if (n.role() == r && n.state() == LiveState.STANDBY && !n.name().equals(s.primary())) {
                    return n.name();
                }
            }
        }
        // after a failover the MASTER may be the only standby
        return s.hosts().stream().filter(n -> n.state() == LiveState.STANDBY && n.role() != Role.REPLICA).map(NodeState::name)
                .findFirst().orElseThrow(() -> new PgrunbookException(Outcome.REFUSED, "refused: cluster " + cluster.name()
                        + " has no streaming standby to promote", "see 'pgrunbook status'"));
    }

    private static String requirePrimary(ClusterState s) {
        if (s.primary() == null) {
            throw new PgrunbookException(Outcome.REFUSED, "refused: cluster " + s.cluster() + " has no live primary (verdict "
                    + s.verdict() + ")", "see 'pgrunbook status'");
        }
        return s.primary();
    }

    /** The command line as the operator would type it. */
    static String shown(Path inventory, List<String> command) {
        return "pgrunbook -i " + inventory + " " + String.join(" ", command);
    }

    private List<String> withJson(List<String> c) {
        List<String> all = new ArrayList<>(List.of("-o", "json"));
        all.addAll(c);
        return all;
    }

    /** What a command run in-process returned, and the runs it journaled. */
    record Sub(int code, String out, List<String> runIds) {
    }

    /**
     * Runs a pgrunbook command in this process through the same factory as main, with the caller's environment, state
     * directory and terminal. {@code out} null: stdout is kept (the run's JSON) and read for its run ids.
     */
    Sub sub(Path inventory, List<String> command, PrintWriter out, PrintWriter err, boolean readRuns) {
        List<String> args = new ArrayList<>(List.of("-i", inventory.toString()));
        if (global().cluster() != null) {
            args.addAll(List.of("-c", global().cluster()));
        }
        if (global().noColor()) {
            args.add("--no-color");
        }
        if (global().verbose()) {
            args.add("-v");
        }
        args.addAll(command);
        StringWriter kept = new StringWriter();
        PrintWriter o = out != null ? out : new PrintWriter(kept);
        int code = Cli.run(context(), o, err, args.toArray(String[]::new));
        List<String> ids = new ArrayList<>();
        if (readRuns) {
            try (var it = new ObjectMapper().readerFor(JsonNode.class).readValues(kept.toString())) {
                while (it.hasNext()) {
                    JsonNode n = (JsonNode) it.next();
                    if (n.hasNonNull("run_id")) {
                        ids.add(n.get("run_id").asText());
                    }
                }
            } catch (IOException | RuntimeException e) {
                err.println("drill: could not read the run's result: " + e.getMessage());
            }
        }
        return new Sub(code, kept.toString(), ids);
    }

    /** Whether the probe table exists where the router leads (the primary). */
    private boolean tableExists(Host router, Connections connections, String database) {
        try (Connection c = PgSessions.openPgBouncer(router, connections, database, context().env());
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT to_regclass('" + DrillWriter.TABLE + "') IS NOT NULL")) {
            return rs.next() && rs.getBoolean(1);
        } catch (Exception e) {
            throw new PgrunbookException(Outcome.REFUSED, "refused: the drill's writer cannot reach database " + database
                    + " through the PgBouncer of " + router.name() + ": " + e.getMessage() + "; nothing was changed",
                    "see 'pgrunbook smoke' and 'pgrunbook status'");
        }
    }

    /** The writer's tokens found on the primary, read on the server itself (not through a router). */
    private List<String> tokens(Host primary, Connections connections, String database, String drillId) {
        String prefix = DrillWriter.prefix(drillId);
        List<String> out = new ArrayList<>();
        try (Connection c = PgSessions.open(primary, connections, database, Duration.ofSeconds(60), context().env());
             PreparedStatement ps = c.prepareStatement("SELECT token FROM " + DrillWriter.TABLE + " WHERE left(token, ?) = ?")) {
            ps.setInt(1, prefix.length());
            ps.setString(2, prefix);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        } catch (Exception e) {
            err().println("drill: cannot read the writer's rows on " + primary.name() + ": " + e.getMessage());
            return null;
        }
    }

    private static void privateDir(Path runs) throws IOException {
        Files.createDirectories(runs);
        if (Files.getFileStore(runs).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(runs, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
    }

    /** Durations as the operator writes them. */
    private static final class Units {
        static String show(Duration d) {
            return io.pgrunbook.inventory.Units.duration(d);
        }
    }
}
