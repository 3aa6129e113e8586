package io.pgrunbook.runbook;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgrunbook.action.Registry;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.core.Secrets;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Inventory;
import io.pgrunbook.remote.Connections;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The runbook engine behind {@code plan}, {@code run}, {@code resume} and {@code history}: loads, plans, locks,
 * journals, runs, and prints the escalation contacts when a run fails or leaves something open.
 */
public final class RunbookEngine {
    /** What the engine works with; the CLI builds it from its context, tests from mocks. */
    public record Env(Path stateDir, Path workDir, Connections connections, Executor.StateSource states,
                      io.pgrunbook.action.StepRuntime.SqlOpener sql, Registry registry, Confirmer confirmer, PrintWriter err, String user,
                      String machine, java.util.function.ToIntFunction<Outcome> exitNumbers, String command) {
        /** {@code command}: how "next:" lines start (the launcher as called, with the -i/-c that reach this cluster). */
        public Env(Path stateDir, Path workDir, Connections connections, Executor.StateSource states,
                   io.pgrunbook.action.StepRuntime.SqlOpener sql, Registry registry, Confirmer confirmer, PrintWriter err, String user,
                   String machine, java.util.function.ToIntFunction<Outcome> exitNumbers) {
            this(stateDir, workDir, connections, states, sql, registry, confirmer, err, user, machine, exitNumbers, "pgrunbook");
        }
    }

    private final Env env;

    public RunbookEngine(Env env) {
        this.env = env;
    }

    public static String machine() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    public Runbook load(String ref) {
        return new RunbookLoader(env.registry()).resolve(ref, env.workDir());
    }

    public Plan plan(Runbook rb, Cluster cluster, Map<String, String> params) {
        long t = Phases.start();
        ClusterState state = env.states().probe(cluster);
        // a command that probed first hands its probe over: then this takes no time
        Phases.done("probe of cluster " + cluster.name() + " for the plan", t);
        t = Phases.start();
        Plan plan = new Planner(env.registry()).plan(rb, cluster, state, params);
        Phases.done("plan of " + rb.name(), t);
        return plan;
    }

    public List<RunResult.CheckOutcome> preflight(Plan plan, Cluster cluster) {
        return Executor.preflight(plan, cluster, plan.state(), env.registry(),
                io.pgrunbook.action.StepRuntime.of(h -> env.connections().to(h), env.sql(), null));
    }

    /** A run (or a dry-run) of a runbook from step 1. */
    public RunResult run(Inventory inv, Cluster cluster, Runbook rb, Map<String, String> params, Executor.Options opts) {
        Plan plan = plan(rb, cluster, params);
        return execute(inv, cluster, plan, opts, Set.of(), null, List.of(), null, null);
    }

    /** Continues a run at its failed or unanswered step, after checking that the cluster still fits it. */
    public RunResult resume(String runId, Inventory inv, String clusterName, Executor.Options opts) {
        List<JsonNode> events = Journal.read(env.stateDir(), runId);
        if (events == null || events.isEmpty() || !"start".equals(events.get(0).path("event").asText())) {
            throw new PgrunbookException(Outcome.USAGE, "no run " + runId + " in " + Journal.runsDir(env.stateDir()),
                    "see 'pgrunbook history'");
        }
        JsonNode start = events.get(0);
        if (start.path("dry_run").asBoolean()) {
            throw new PgrunbookException(Outcome.USAGE, "run " + runId + " was a dry-run: there is nothing to resume",
                    "start it for real with 'pgrunbook run'");
        }
        JsonNode end = events.stream().filter(e -> "end".equals(e.path("event").asText())).reduce((a, b) -> b).orElse(null);
        if (end != null && "ok".equals(end.path("result").asText())) {
            throw new PgrunbookException(Outcome.USAGE, "run " + runId + " finished ok: there is nothing to resume");
        }
        String recordedCluster = start.path("cluster").asText();
        if (clusterName != null && !clusterName.equals(recordedCluster)) {
            throw new PgrunbookException(Outcome.USAGE, "run " + runId + " was on cluster " + recordedCluster + ", not " + clusterName);
        }
        Cluster cluster = inv.cluster(recordedCluster);
        String source = start.path("runbook_source").asText();
        Runbook rb = source.startsWith("jar:") ? load(source.substring("jar:runbooks/".length()).replaceFirst("\\.yaml$", ""))
                : new RunbookLoader(env.registry()).load(Path.of(source));
        if (!rb.sha256().equals(start.path("runbook_sha256").asText())) {
            throw refused(cluster, "runbook " + source + " changed since run " + runId + " (sha256 differs):"
                    + " its steps may not line up any more", "start a new run instead of resuming");
        }
        Map<String, String> params = new LinkedHashMap<>();
        start.path("params").fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));

        Replay past = Replay.of(events);
        ClusterState state = env.states().probe(cluster);
        String why = past.cannotResumeOn(state);
        if (why != null) {
            throw refused(cluster, "run " + runId + " cannot be resumed: " + why, "check with 'pgrunbook status' and start a new run");
        }
        // {{primary}} is the primary the run started from, whatever is primary now
        Plan plan = new Planner(env.registry()).plan(rb, cluster, state, params, past.startPrimary());
        Set<Integer> done = past.done();
        env.err().println("Resuming run " + runId + " (" + rb.name() + " on " + cluster.name() + "):");
        for (PlannedStep ps : plan.steps()) {
            env.err().println("  step " + ps.number() + " " + (done.contains(ps.number()) ? "done   " : "to run ") + ps.name());
        }
        for (var h : past.open()) {
            env.err().println("  still open: " + h.what() + " (step " + h.step() + ")");
        }
        return execute(inv, cluster, plan, opts, done, runId, past.open(), past.changedCluster(), past.promotedPrimary(state));
    }

    private RunResult execute(Inventory inv, Cluster cluster, Plan plan, Executor.Options opts, Set<Integer> done,
                              String resumedFrom, List<io.pgrunbook.action.Hazard> reopened, String changedByEarlierRun,
                              String promotedEarlier) {
        // the one dry-run switch: a rehearsal takes no lock, writes no journal and builds no executor
        if (opts.dryRun()) {
            return rehearse(cluster, plan, changedByEarlierRun);
        }
        refuseUnanswerable(plan, opts, done);
        String runId = newRunId(cluster.name());
        long locking = Phases.start();
        ClusterLock lock = ClusterLock.acquireOrExplain(env, cluster, plan.runbook(), runId, opts.breakLock(), resumedFrom);
        Set<String> secrets = new HashSet<>();
        plan.params().forEach((k, v) -> {
            if (Secrets.secretName(k)) {
                secrets.add(v);
                secrets.add(io.pgrunbook.remote.Shell.quote(v));
                secrets.add(Quoting.sqlLiteral(v));
            }
        });
        Journal journal = Journal.create(env.stateDir(), runId, secrets);
        Phases.done("lock and journal", locking);
        RunLog log = RunLog.open(env.stateDir(), runId).secrets(secrets);
        EventHook hook = new EventHook(cluster.hooks() == null ? null : cluster.hooks().event(), cluster.name(), env.err());
        Executor ex = new Executor(plan, cluster, env.registry(), env.states(), env.connections(), env.sql(),
                env.confirmer(), env.err(), opts, journal, log, hook, env.exitNumbers()).reopen(reopened);
        if (promotedEarlier != null) {
            ex.promotedEarlier(promotedEarlier);
        }
        if (changedByEarlierRun != null) {
            ex.skipPreflight(changedByEarlierRun + "; the cluster was checked to fit the run instead");
        }
        Thread onSignal = new Thread(() -> {
            // Ctrl-C, SIGTERM, SIGHUP: the JVM waits for this hook, and the run's own thread goes on meanwhile. Ask it to
            // stop at a clean point and undo what is open, then wait for its last lines (bounded: a promotion in flight
            // is allowed to finish; a run stuck past that leaves its hazards to the PgBouncer guard and the journal).
            ex.requestStop("interrupted by a signal");
            Duration grace = ex.inUncancellableStep() ? Duration.ofSeconds(150) : Duration.ofSeconds(90);
            if (!ex.awaitEnd(grace)) {
                journal.write("end", Executor.fields("result", "aborted", "exit_code", env.exitNumbers().applyAsInt(Outcome.ABORTED), "message",
                        "interrupted by a signal; the run did not reach a clean point within " + grace.toSeconds() + " s"));
                env.err().println("pgrunbook: interrupted; the run did not stop cleanly within " + grace.toSeconds() + " s: see '"
                        + env.command() + " history show " + runId + "'");
                env.err().flush();
            }
            if (lock != null) {
                lock.close();
            }
            journal.close();
        }, "pgrunbook-abort");
        InterruptRoute.register(onSignal);
        RunResult result;
        try {
            Map<String, Object> start = new LinkedHashMap<>();
            start.put("user", env.user());
            start.put("machine", env.machine());
            start.put("pid", ProcessHandle.current().pid());
            start.put("inventory", inv.file() == null ? null : inv.file().toAbsolutePath().normalize().toString());
            start.put("inventory_sha256", inv.sha256());
            start.put("runbook", plan.runbook());
            start.put("runbook_source", plan.source());
            start.put("runbook_sha256", plan.runbookSha256());
            start.put("params", plan.params());
            start.put("cluster", cluster.name());
            start.put("resumed_from", resumedFrom);
            // which cluster this was, beyond its name (every lab is "lab"): `history` keeps runs apart by it
            start.put("system_identifier", systemIdentifier(plan.state()));
            start.put("plan", plan.steps().stream().map(s -> Map.of("number", s.number(), "name", s.name(),
                    "hosts", s.hosts(), "commands", s.targets().stream().flatMap(t -> t.commands().stream()).toList())).toList());
            result = ex.run(done, start);
            if (!result.status().equals("ok")) {
                printEnding(cluster, ex, result);
            }
        } finally {
            // released while the hook is still registered: a signal now makes the JVM wait for this, where after the
            // hook's removal it would halt at once and leave the lock behind
            if (lock != null) {
                lock.close();
            }
            journal.close();
            log.close();
            ex.markEnded();
            InterruptRoute.unregister(onSignal);
        }
        if (result.status().equals("ok")) {
            env.err().println(result.message() + " (run " + result.runId() + ")");
            env.err().flush();
        }
        return result;
    }

    /** A dry-run: the plan and its read-only preflight; nothing else touches a server. */
    private RunResult rehearse(Cluster cluster, Plan plan, String changedByEarlierRun) {
        List<RunResult.CheckOutcome> pre = changedByEarlierRun != null ? List.of() : preflight(plan, cluster);
        boolean refused = pre.stream().anyMatch(o -> !o.pass());
        return new RunResult(null, refused ? "refused" : "dry-run", refused ? Outcome.REFUSED : Outcome.OK, null,
                refused ? "refused by preflight" : "dry-run: nothing executed", pre, List.of(), null, plan);
    }

    /**
     * The last lines of a run that did not end ok: what stopped it, what was undone or left, the cluster now (probed
     * again), and the one command to run next. Printed before the lock is released, so a signal handler waiting for
     * the run lets the JVM go only after them.
     */
    private void printEnding(Cluster cluster, Executor ex, RunResult result) {
        PrintWriter err = env.err();
        err.println((result.outcome() == Outcome.OK ? "" : "pgrunbook: ") + result.message() + " (run " + result.runId() + ")");
        if (result.status().equals("dry-run")) {
            err.flush();
            return;
        }
        // what was undone is said above as it happened; what is left is said again here, where the eye lands
        for (String l : ex.left()) {
            err.println("  LEFT: " + l);
        }
        if (result.status().equals("refused")) {
            // a refusal changed nothing: no one to wake; the check's reason is above, the cluster's state is one command away
            err.println("  next: " + nextAfterRefusal(result));
            err.flush();
            return;
        }
        ClusterState now;
        try {
            now = env.states().probe(cluster);
        } catch (RuntimeException e) {
            now = null;
        }
        if (now != null) {
            err.println("  cluster now: " + now.verdict() + (now.primary() != null ? ", primary " + now.primary()
                    : now.primaries().isEmpty() ? ", no primary" : ", primaries " + String.join(", ",
                    now.primaries().stream().map(io.pgrunbook.cluster.NodeState::name).toList())));
        }
        err.println("  next: " + env.command() + " resume " + result.runId() + "   (checks the cluster first, then runs the steps not done;"
                + " the record: " + env.command() + " history show " + result.runId() + ")");
        // escalation when a server may be left half-changed: a failed step, or something a stopped run could not undo
        if (result.outcome() == Outcome.FAILED || !ex.left().isEmpty()) {
            printContacts(cluster);
        }
        err.flush();
    }

    /** The command the failed check's reason names ('pgrunbook switchover --to db2'), else status. */
    private String nextAfterRefusal(RunResult result) {
        for (RunResult.CheckOutcome o : result.preflight()) {
            String named = o.pass() ? null : NamedCommand.in(o.reason());
            if (named != null) {
                return env.command() + " " + named;
            }
        }
        return env.command() + " status";
    }

    /** The primary's pg_control system identifier, else any physical node's; null when none was read. */
    static String systemIdentifier(ClusterState state) {
        if (state == null) {
            return null;
        }
        return state.primaryNode().map(io.pgrunbook.cluster.NodeState::systemIdentifier)
                .or(() -> state.hosts().stream().filter(n -> n.role().isPhysical() && n.systemIdentifier() != null)
                        .map(io.pgrunbook.cluster.NodeState::systemIdentifier).findFirst())
                .orElse(null);
    }

    /** With no one to ask, every question must already be answered: refuse before step 1 rather than hang at step 5. */
    private void refuseUnanswerable(Plan plan, Executor.Options opts, Set<Integer> done) {
        if (env.confirmer().interactive()) {
            return;
        }
        if (!opts.yes()) {
            throw new PgrunbookException(Outcome.USAGE, "no terminal to confirm the steps on",
                    "run it in a terminal, or pass --yes (and --confirm-host HOST for destructive steps); --dry-run to rehearse");
        }
        for (PlannedStep ps : plan.steps()) {
            if (ps.destructive() && ps.runs() && !done.contains(ps.number()) && !opts.confirmHosts().containsAll(ps.hosts())) {
                throw new PgrunbookException(Outcome.USAGE, "step " + ps.number() + " (" + ps.name() + ") is destructive on "
                        + String.join(",", ps.hosts()) + ": --yes alone does not confirm it",
                        "add --confirm-host " + String.join(" --confirm-host ", ps.hosts()));
            }
        }
    }

    private PgrunbookException refused(Cluster cluster, String message, String hint) {
        return new PgrunbookException(Outcome.REFUSED, message, hint);
    }

    public void printContacts(Cluster cluster) {
        if (cluster.contacts() == null || cluster.contacts().isEmpty()) {
            return;
        }
        env.err().println("Escalation contacts for " + cluster.name() + ":");
        for (var c : cluster.contacts()) {
            env.err().println("  " + c.name() + (c.phone() != null ? "  " + c.phone() : "") + (c.email() != null ? "  " + c.email() : ""));
        }
        env.err().flush();
    }

    static String newRunId(String cluster) {
        return ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
                + cluster.replaceAll("[^A-Za-z0-9_.-]", "_") + "-" + String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
    }
}
