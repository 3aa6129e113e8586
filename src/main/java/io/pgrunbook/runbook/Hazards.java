package io.pgrunbook.runbook;

import io.pgrunbook.action.Action;
import io.pgrunbook.action.Hazard;
import io.pgrunbook.action.Registry;
import io.pgrunbook.action.Result;
import io.pgrunbook.action.StepContext;
import io.pgrunbook.action.StepRuntime;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.LiveState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * What a run's steps left open ({@link Hazard}: clients paused, a server stopped) and the compensation when the run
 * stops early: each hazard is undone by the action its opener declared, newest first, where that is safe (never a
 * stopped old primary once a promotion was attempted, never while another node is primary); after a promotion a PAUSE
 * is closed by pointing PgBouncer at the new primary. Everything is journaled. The executor decides when; this class
 * knows what and how.
 */
final class Hazards {
    private final Plan plan;
    private final Cluster cluster;
    private final Registry registry;
    private final Executor.StateSource states;
    private final Journal journal;
    private final Consumer<String> progress;
    private final Supplier<StepRuntime> runtime;

    /** Open now, oldest first; guarded by itself. */
    private final List<Hazard> open = new ArrayList<>();
    /** Kinds that may no longer be undone (a promotion was attempted). */
    private final Set<String> disarmed = new HashSet<>();
    /** What the last compensation could not undo, for the closing lines. */
    private final List<String> left = new ArrayList<>();
    /** The node a promotion of this run (or of the run it resumes) made primary; null: none. */
    private volatile String promoted;

    Hazards(Plan plan, Cluster cluster, Registry registry, Executor.StateSource states, Journal journal, Consumer<String> progress,
            Supplier<StepRuntime> runtime) {
        this.plan = plan;
        this.cluster = cluster;
        this.registry = registry;
        this.states = states;
        this.journal = journal;
        this.progress = progress;
        this.runtime = runtime;
    }

    /** One entry per kind and host: a PAUSE sent again keeps the time clients have waited since the first. */
    void add(Hazard h) {
        synchronized (open) {
            if (open.stream().noneMatch(o -> o.kind().equals(h.kind()) && o.host().equals(h.host()))) {
                open.add(h);
            }
        }
    }

    List<Hazard> open() {
        synchronized (open) {
            return List.copyOf(open);
        }
    }

    List<String> left() {
        return List.copyOf(left);
    }

    void promoted(String host) {
        this.promoted = host;
    }

    /** Once an action that disarms (a promotion) got past its preconditions: attempted is enough, it may have happened. */
    void attempted(Action action) {
        synchronized (open) {
            disarmed.addAll(action.disarms());
        }
    }

    /**
     * Before a target runs: the hazards it may open are held open at once, so that a step that fails or is cancelled
     * half way (a shutdown that goes on without pg_ctl) is undone too. A success replaces them with what it reports.
     */
    void tentative(Action action, PlannedStep ps, PlannedStep.Target t) {
        if (t.host() == null) {
            return;
        }
        for (Hazard h : action.mayOpen(t.context())) {
            add(h.at(ps.number()));
        }
    }

    /**
     * After a target ran: keeps what it opened (even when its verify failed: the PAUSE was sent), journals the
     * tentative ones a failure leaves open, and closes on its host what its action closes.
     */
    void track(Action action, PlannedStep ps, PlannedStep.Target t, Result r, boolean ok) {
        if (r.ok() && t.host() != null) {
            // it succeeded: what it reports it opened is the truth, the tentative ones go
            List<Hazard> maybe = action.mayOpen(t.context());
            synchronized (open) {
                open.removeIf(h -> h.step() == ps.number() && h.host().equals(t.host())
                        && maybe.stream().anyMatch(m -> m.kind().equals(h.kind())));
            }
        } else if (t.host() != null) {
            for (Hazard h : open()) {
                if (h.step() == ps.number() && h.host().equals(t.host())) {
                    journal.write("hazard_opened", Executor.fields("kind", h.kind(), "host", h.host(), "step", h.step(), "what", h.what(),
                            "undo", h.undo(), "since", h.since().toString(), "uncertain", true));
                }
            }
        }
        for (Hazard h : r.opened()) {
            Hazard at = h.at(ps.number());
            add(at);
            journal.write("hazard_opened", Executor.fields("kind", at.kind(), "host", at.host(), "step", at.step(), "what", at.what(),
                    "undo", at.undo(), "since", at.since().toString()));
        }
        if (!ok || t.host() == null) {
            return;
        }
        Set<String> kinds = action.closes(t.context());
        if (kinds.isEmpty()) {
            return;
        }
        List<Hazard> closed;
        synchronized (open) {
            closed = open.stream().filter(h -> h.host().equals(t.host()) && kinds.contains(h.kind())).toList();
            open.removeAll(closed);
        }
        for (Hazard h : closed) {
            journal.write("hazard_closed", Executor.fields("kind", h.kind(), "host", h.host(), "step", h.step(), "closed_by", ps.number()));
        }
    }

    /** "[clients waiting 12 s on db1, db2] " while a PAUSE is open; empty otherwise. */
    String clientsWaiting() {
        List<Hazard> paused = open().stream().filter(h -> Hazard.PGBOUNCER_PAUSED.equals(h.kind())).toList();
        if (paused.isEmpty()) {
            return "";
        }
        long s = Duration.between(paused.stream().map(Hazard::since).min(Instant::compareTo).orElseThrow(), Instant.now()).toSeconds();
        return "[clients waiting " + s + " s on " + paused.stream().map(Hazard::host).distinct()
                .collect(Collectors.joining(", ")) + "] ";
    }

    /**
     * Undoes the hazards still open, newest first: RESUME a paused PgBouncer (or point it at the node this run
     * promoted), start again a server this run stopped while nothing was promoted and no other node is primary. What
     * cannot be undone safely is left and said. Returns the steps whose effect was undone (resume runs them again).
     */
    Set<Integer> closeAll(String why) {
        List<Hazard> todo;
        synchronized (open) {
            todo = new ArrayList<>(open);
            open.clear();
        }
        Set<Integer> undoneSteps = new TreeSet<>();
        if (todo.isEmpty()) {
            return undoneSteps;
        }
        progress.accept("");
        progress.accept("Closing what the run left open (" + why + "):");
        Collections.reverse(todo);
        ClusterState now = null;
        for (Hazard h : todo) {
            String refusal = null;
            if (disarmed.contains(h.kind())) {
                refusal = "a promotion was attempted since: starting it again could make two primaries";
            } else if (Hazard.POSTGRES_STOPPED.equals(h.kind()) && wasPrimary(h.host())) {
                // a standby stopped by the run starts as a standby again: only a primary could make two
                if (now == null) {
                    now = probeQuietly();
                }
                refusal = now == null ? "the cluster cannot be probed to prove no other node is primary" : otherPrimary(now, h.host());
            }
            if (refusal != null) {
                left.add(h.what() + " (left: " + refusal + ")");
                progress.accept("  left:   " + h.what() + ": " + refusal);
                journal.write("hazard_left", Executor.fields("kind", h.kind(), "host", h.host(), "step", h.step(), "what", h.what(),
                        "reason", refusal));
                continue;
            }
            if (undo(h) && !rolledForward(h)) {
                undoneSteps.add(h.step());
            }
        }
        return undoneSteps;
    }

    /**
     * Whether this hazard is closed forward (a PAUSE pointed at the promoted node) rather than undone: its step is not
     * to be run again, the procedure goes on from where it stopped.
     */
    private boolean rolledForward(Hazard h) {
        return Hazard.PGBOUNCER_PAUSED.equals(h.kind()) && promoted != null;
    }

    private static String otherPrimary(ClusterState now, String host) {
        List<String> others = now.primaries().stream().filter(n -> n.role().isPhysical() && !n.name().equals(host))
                .map(NodeState::name).toList();
        return others.isEmpty() ? null : String.join(", ", others) + " is primary now";
    }

    /** Runs the compensation of one hazard and journals it; true when it is undone. */
    private boolean undo(Hazard h) {
        String undoName = h.undo();
        Map<String, String> undoWith = h.undoWith();
        if (rolledForward(h)) {
            // after a promotion a RESUME alone would send clients to the stopped old primary: roll forward instead,
            // point PgBouncer at the new primary (which resumes it)
            undoName = "pgbouncer.point";
            undoWith = Map.of("to", promoted);
        }
        Action undo = registry.action(undoName).orElseThrow();
        Host host = cluster.host(h.host()).orElseThrow();
        StepContext ctx = new StepContext("undo: " + h.what(), cluster, host, null, undoWith, null, null,
                Duration.ofSeconds(120), runtime.get());
        Instant t0 = Instant.now();
        Result r;
        try {
            r = undo.execute(ctx);
            if (r.ok()) {
                Result v = undo.verify(ctx);
                // the verify says what holds now ("db1 is running"), which reads better than "exit status 0"
                r = v.ok() ? (v.message().equals("nothing to verify") ? r : new Result(true, r.exitStatus(), r.output(), v.message()))
                        : Result.failed("verify failed: " + v.message());
            }
        } catch (RuntimeException e) {
            r = Result.failed(e.getMessage());
        }
        String by = String.join("; ", undo.describe(ctx).lines());
        journal.write("compensation", Executor.fields("kind", h.kind(), "host", h.host(), "step", h.step(), "what", h.what(),
                "action", undoName, "command", undo.describe(ctx).lines(), "start", t0.toString(), "end", Instant.now().toString(),
                "exit_status", r.exitStatus(), "output_tail", r.output(), "result", r.ok() ? "ok" : "failed", "detail", r.message()));
        if (!r.ok()) {
            left.add(h.what() + " (could not undo: " + r.message() + "; by hand: " + by + ")");
            progress.accept("  FAILED to undo: " + h.what() + ": " + r.message());
            progress.accept("    by hand on " + h.host() + ": " + by);
            return false;
        }
        progress.accept("  undone: " + h.what() + " -> " + r.message());
        if (Hazard.POSTGRES_STOPPED.equals(h.kind())) {
            awaitFollowers(h.host());
        }
        return true;
    }

    /**
     * After a stopped primary runs again: waits (at most 20 s) until the standbys that streamed from it when the run
     * started stream again (a walreceiver retries every wal_retrieve_retry_interval, 5 s by default), so that the
     * cluster is back where it started before the run says so, and a resume's preflight finds them streaming.
     */
    private void awaitFollowers(String host) {
        ClusterState before = plan.state();
        if (before == null) {
            return;
        }
        List<String> followers = before.hosts().stream().filter(n -> host.equals(n.upstream())).map(NodeState::name).toList();
        if (followers.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<String> missing = followers;
        while (System.nanoTime() < deadline) {
            ClusterState now = probeQuietly();
            if (now != null) {
                missing = followers.stream().filter(f -> !now.node(f).map(n -> host.equals(n.upstream())).orElse(false)).toList();
            }
            if (missing.isEmpty()) {
                progress.accept("  " + String.join(", ", followers) + " stream from " + host + " again");
                return;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                // a second signal: stop waiting, the closing lines say what the cluster is
                return;
            }
        }
        progress.accept("  " + String.join(", ", missing) + (missing.size() > 1 ? " do" : " does") + " not stream from " + host
                + " yet (a walreceiver or subscription worker retries on its own)");
    }

    /** Whether the host was a primary when the run started (or cannot be told: then treated as one). */
    private boolean wasPrimary(String host) {
        ClusterState before = plan.state();
        return before == null || before.node(host).map(n -> n.state() != LiveState.STANDBY).orElse(true);
    }

    private ClusterState probeQuietly() {
        try {
            return states.probe(cluster);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
