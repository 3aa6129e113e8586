package io.pgrunbook.runbook;

import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.FenceChoice;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Procedures made of more than one runbook, or of a decision and a runbook: repair's failback with its fallback to
 * a rebuild, failback then switchover, the failover's node to fence. The engine side of the commands: they hand in
 * how a shipped runbook is run (and its result rendered), and render what comes back.
 */
public final class Procedures {
    /** Runs one shipped runbook with its parameters (plan, confirm, journal: the engine) and says how it ended. */
    @FunctionalInterface
    public interface Runner {
        Outcome run(String runbook, Map<String, String> params) throws Exception;
    }

    private final Runner runner;
    private final PrintWriter err;
    private final boolean dryRun;

    public Procedures(Runner runner, PrintWriter err, boolean dryRun) {
        this.runner = runner;
        this.err = err;
        this.dryRun = dryRun;
    }

    /**
     * repair of an old primary: failback, and when it is refused by its preflight (other cluster, unreadable
     * pg_control, no pg_rewind: nothing was changed) or fails for real (no checksums nor wal_log_hints, a failed
     * rewind), a rebuild from the live primary: a fresh copy can bring it back; rebuild's own preflight still refuses
     * a running or live primary.
     */
    public Outcome failbackOrRebuild(String host, Map<String, String> failbackParams, ClusterState state) throws Exception {
        Outcome failback = runner.run("failback", failbackParams);
        boolean refused = failback == Outcome.REFUSED;
        if (!(refused || failback == Outcome.FAILED && !dryRun) || state.primary() == null) {
            return failback;
        }
        say("repair " + host + ": the failback " + (refused ? "was refused" : "failed") + " (see above); falling back to a rebuild from "
                + state.primary() + " (runbook rebuild; its copy step is destructive and confirmed like any other).");
        return runner.run("rebuild", Map.of("target", host, "from", state.primary()));
    }

    /** failback --switchover: once the old master streams again, the primary role goes back to it. */
    public Outcome failbackThenSwitchover(String host, Map<String, String> failbackParams, boolean switchover) throws Exception {
        Outcome failback = runner.run("failback", failbackParams);
        if (failback != Outcome.OK || !switchover) {
            return failback;
        }
        if (dryRun) {
            say("Then, with --switchover: runbook switchover --param to=" + host + " (planned once " + host + " streams).");
            return failback;
        }
        say(host + " streams again: switching the primary role back to it (runbook switchover).");
        return runner.run("switchover", Map.of("to", host));
    }

    /**
     * The failover runbook's {@code to} and {@code from}: the node to fence is the one the operator named (the
     * runbook's fence-target check proves it), else {@link FenceChoice}'s; a refusal when none can be told.
     */
    public static Map<String, String> failoverTarget(ClusterState state, String to, String from) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("to", to);
        if (from != null) {
            p.put("from", from);
            return p;
        }
        FenceChoice.Decision d = FenceChoice.choose(state, to);
        if (d.refused()) {
            throw new PgrunbookException(Outcome.REFUSED, "refused: " + d.refusal(), d.hint());
        }
        p.put("from", d.host());
        return p;
    }

    private void say(String line) {
        err.println(line);
        err.flush();
    }
}
