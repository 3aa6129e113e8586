package io.pgrunbook.runbook;

import io.pgrunbook.action.Action;
import io.pgrunbook.action.Registry;
import io.pgrunbook.cluster.ClusterState;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The operator's answer to a step: the prompt, "all remaining", a destructive step confirmed by typing the host name,
 * and a safety gate skipped only by typing it.
 */
final class OperatorPrompts {
    private final Executor.Options opts;
    private final Confirmer confirmer;
    private final Registry registry;
    private final Hazards hazards;
    private final Supplier<ClusterState> live;
    private final Consumer<String> progress;
    private boolean answerAll;
    /** The host name typed to skip a safety gate at the last question (null: none). */
    private String gateSkipTyped;

    OperatorPrompts(Executor.Options opts, Confirmer confirmer, Registry registry, Hazards hazards, Supplier<ClusterState> live,
                    Consumer<String> progress) {
        this.opts = opts;
        this.confirmer = confirmer;
        this.registry = registry;
        this.hazards = hazards;
        this.live = live;
        this.progress = progress;
    }

    /** Whether the operator answered "all remaining". */
    boolean answerAll() {
        return answerAll;
    }

    /** A step the operator may skip only by typing the host name: an action that is a gate, a check or a wait. */
    boolean gate(PlannedStep ps) {
        if (ps.kind() == StepKind.CHECK || ps.kind() == StepKind.WAIT) {
            return true;
        }
        return ps.kind() == StepKind.ACTION && registry.action(ps.type()).map(Action::gate).orElse(false);
    }

    /** The operator's answer for a step, and how it was given (for the journal). */
    Confirmer.Answer decide(PlannedStep ps, String[] how) {
        boolean confirmStep = ps.kind() == StepKind.CONFIRM;
        if (ps.destructive()) {
            if (!ps.hosts().isEmpty() && opts.confirmHosts().containsAll(ps.hosts())) {
                how[0] = "yes (--confirm-host " + String.join(",", ps.hosts()) + ")";
                progress.accept("  destructive: confirmed by --confirm-host");
                return Confirmer.Answer.YES;
            }
            while (true) {
                Confirmer.Answer a = opts.yes() ? Confirmer.Answer.YES : ask(ps);
                if (a != Confirmer.Answer.YES && a != Confirmer.Answer.ALL) {
                    how[0] = a.name().toLowerCase();
                    return a;
                }
                if (a == Confirmer.Answer.ALL) {
                    answerAll = true;
                }
                String expected = String.join(",", ps.hosts());
                String typed = confirmer.readLine("  Destructive: type the host name (" + expected + ") to go ahead: ");
                if (typed != null && typed.trim().equals(expected)) {
                    how[0] = "yes (typed " + expected + ")";
                    return Confirmer.Answer.YES;
                }
                progress.accept("  '" + (typed == null ? "" : typed.trim()) + "' is not " + expected + "; not confirmed");
                if (opts.yes()) {
                    how[0] = "no (host name not typed)";
                    return Confirmer.Answer.NO;
                }
            }
        }
        if (opts.yes() || answerAll) {
            how[0] = opts.yes() ? "yes (--yes)" : "yes (all)";
            return Confirmer.Answer.YES;
        }
        Confirmer.Answer a = ask(ps);
        if (a == Confirmer.Answer.ALL) {
            answerAll = true;
            a = Confirmer.Answer.YES;
            how[0] = "all";
        } else if (a == Confirmer.Answer.SKIP && gateSkipTyped != null) {
            how[0] = "skip (typed " + gateSkipTyped + ")";
        } else {
            how[0] = a.name().toLowerCase();
        }
        if (confirmStep && a == Confirmer.Answer.YES) {
            how[0] = "yes";
        }
        return a;
    }

    private Confirmer.Answer ask(PlannedStep ps) {
        String q = ps.kind() == StepKind.CONFIRM ? "  " + ps.targets().get(0).context().text() + "\n" : "";
        gateSkipTyped = null;
        while (true) {
            Confirmer.Answer a = confirmer.ask(q + hazards.clientsWaiting() + "Run step " + ps.number()
                    + "? [y]es  [n]o=abort  [s]kip  [d]etails  [a]ll remaining: ");
            if (a == Confirmer.Answer.DETAILS) {
                StepView.details(ps, live.get(), progress);
                continue;
            }
            if (a == Confirmer.Answer.SKIP && gate(ps)) {
                String expected = ps.hosts().isEmpty() ? "skip" : String.join(",", ps.hosts());
                String typed = confirmer.readLine("  Step " + ps.number() + " is a safety gate: skipping it can lose data or make two"
                        + " primaries, and the run will end incomplete. Type " + (ps.hosts().isEmpty() ? "'skip'" : "the host name ("
                        + expected + ")") + " to skip it anyway, or Enter to be asked again: ");
                if (typed == null || !typed.trim().equals(expected)) {
                    progress.accept("  not skipped");
                    continue;
                }
                gateSkipTyped = expected;
            }
            return a;
        }
    }
}
