package io.pgrunbook.cli;

import io.pgrunbook.action.Registry;
import io.pgrunbook.cluster.ClusterProbe;
import io.pgrunbook.pg.PgSessions;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.runbook.Confirmer;
import io.pgrunbook.runbook.Executor;
import io.pgrunbook.runbook.JLineConfirmer;
import io.pgrunbook.runbook.RunbookEngine;

/**
 * What the runbook commands share: building the engine from the context. {@code confirmer} and {@code states} are
 * seams for tests (a scripted confirmer, a mocked probe); null means the real ones.
 */
abstract class EngineCommand extends AbstractCommand {
    Confirmer confirmer;
    Executor.StateSource states;
    /** A probe the command already made: the plan uses it instead of probing again (then probes are live). */
    private io.pgrunbook.cluster.ClusterState firstState;
    /** The probe's transports, until a run takes them. */
    private Connections kept;

    /** The cluster now, for the command's decisions; the plan of its next run starts from this probe, not another. */
    io.pgrunbook.cluster.ClusterState probe() {
        io.pgrunbook.inventory.Cluster cluster = cluster();
        io.pgrunbook.runbook.Phases.mark("inventory loaded");
        long t = io.pgrunbook.runbook.Phases.start();
        if (kept == null) {
            kept = context().connections();
        }
        firstState = states != null ? states.probe(cluster) : new ClusterProbe(kept, context().env()).probe(cluster);
        io.pgrunbook.runbook.Phases.done("probe of cluster " + cluster.name() + " (handed to the plan)", t);
        return firstState;
    }

    /**
     * The transports of the command's probe, handed to its run (then closed by the run's caller), else new ones: the
     * run reuses the probe's SSH connections, and a host that made the probe wait in vain is not waited for again by
     * the run's first steps (see Connections).
     */
    Connections connections() {
        Connections c = kept;
        kept = null;
        return c != null ? c : context().connections();
    }

    /** Closes the probe's transports when no run took them (a refusal after the probe). */
    void closeKept() {
        if (kept != null) {
            kept.close();
            kept = null;
        }
    }

    public EngineCommand confirmer(Confirmer c) {
        this.confirmer = c;
        return this;
    }

    public EngineCommand states(Executor.StateSource s) {
        this.states = s;
        return this;
    }

    /** The inventory, with every --confirm-host checked against the cluster before anything is probed or planned. */
    @Override
    protected io.pgrunbook.inventory.Inventory inventory() {
        io.pgrunbook.inventory.Inventory inv = super.inventory();
        for (picocli.CommandLine.Model.CommandSpec m : spec.mixins().values()) {
            if (m.userObject() instanceof ExecutionOptions exec) {
                exec.checkHosts(inv.cluster(global().cluster()));
            }
        }
        return inv;
    }

    /** The command's SQL sessions: one pool per command, closed with its transports. */
    static io.pgrunbook.action.StepRuntime.SqlOpener sessions(Connections connections, java.util.Map<String, String> env) {
        // the command's environment, not the JVM's: PGPASSFILE/PGPASSWORD as the operator (or a test) gave them
        io.pgrunbook.pg.SessionPool pool = connections.attach(new io.pgrunbook.pg.SessionPool((host, db) ->
                PgSessions.open(host, connections, db, host.postgres().statementTimeout(), env)));
        return io.pgrunbook.action.StepRuntime.SqlOpener.pooled(pool);
    }

    /** The command's confirmer: one terminal for the command's own questions and for the engine's. */
    Confirmer confirmer() {
        if (confirmer == null) {
            confirmer = JLineConfirmer.open(context().interactive());
        }
        return confirmer;
    }

    RunbookEngine engine(Connections connections) {
        Confirmer c = confirmer();
        Executor.StateSource live = states != null ? states : cluster -> new ClusterProbe(connections, context().env()).probe(cluster);
        java.util.concurrent.atomic.AtomicReference<io.pgrunbook.cluster.ClusterState> cached = new java.util.concurrent.atomic.AtomicReference<>(firstState);
        // used once: a second run of this command (repair's rebuild after a failed failback) probes afresh
        firstState = null;
        Executor.StateSource s = cluster -> {
            io.pgrunbook.cluster.ClusterState known = cached.getAndSet(null);
            return known != null ? known : live.probe(cluster);
        };
        String user = context().env().getOrDefault("USER", System.getProperty("user.name"));
        return new RunbookEngine(new RunbookEngine.Env(context().stateDir(), context().workDir(), connections, s,
                sessions(connections, context().env()), Registry.builtins(), c, err(), user,
                RunbookEngine.machine(), ExitCodes::of, NextCommand.of(this).prefix()));
    }
}
