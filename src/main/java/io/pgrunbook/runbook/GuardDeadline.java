package io.pgrunbook.runbook;

import io.pgrunbook.action.Action;
import io.pgrunbook.action.Registry;
import io.pgrunbook.inventory.Settings;
import io.pgrunbook.inventory.Units;

import java.time.Duration;
import java.util.List;

/**
 * How long the guard of a {@code pgbouncer.pause} waits before it RESUMEs on its own: long enough that it never
 * fires inside a run that is still working, short enough that clients do not wait long after the run died. It is the
 * sum of the time limits of the steps between the pause and the step that resumes that host's PgBouncer (RESUME, or
 * a point that does not keep it paused), plus the PAUSE itself and a margin. Pure: computed while planning, shown in
 * the plan and journaled with the step's commands.
 */
public final class GuardDeadline {
    /** The PAUSE waits for running transactions to release their server connections, at most the console's timeout. */
    static final Duration PAUSE_ITSELF = Duration.ofSeconds(30);
    static final Duration MARGIN = Duration.ofSeconds(30);

    private GuardDeadline() {
    }

    /** The deadline and how it was found, for the plan. */
    public record Deadline(Duration after, String basis) {
    }

    /**
     * @param steps  the plan's steps, in order
     * @param pause  the index in {@code steps} of the pause step
     * @param host   the PgBouncer host the guard runs on
     */
    public static Deadline compute(List<PlannedStep> steps, int pause, String host, Settings settings, Registry registry) {
        Duration window = Duration.ZERO;
        for (int i = pause + 1; i < steps.size(); i++) {
            PlannedStep ps = steps.get(i);
            if (resumes(ps, host)) {
                return new Deadline(PAUSE_ITSELF.plus(window).plus(MARGIN), (i == pause + 1 ? "the next step resumes it"
                        : "steps " + range(steps.get(pause + 1), steps.get(i - 1)) + " take at most " + Units.duration(window)
                        + " before step " + ps.number() + " resumes it") + ", + " + Units.duration(PAUSE_ITSELF) + " for the PAUSE, + "
                        + Units.duration(MARGIN) + " margin");
            }
            window = window.plus(bound(ps, settings, registry));
        }
        // no later step resumes it: the guard ends the pause once the rest of the run has had its time
        return new Deadline(PAUSE_ITSELF.plus(window).plus(MARGIN), "no later step resumes it; "
                + (pause + 1 < steps.size() ? "steps " + range(steps.get(pause + 1), steps.get(steps.size() - 1)) + " take at most "
                + Units.duration(window) + ", + " : "") + Units.duration(PAUSE_ITSELF) + " for the PAUSE, + " + Units.duration(MARGIN) + " margin");
    }

    private static String range(PlannedStep from, PlannedStep to) {
        return from.number() == to.number() ? String.valueOf(from.number()) : from.number() + "-" + to.number();
    }

    /** Whether the step ends the pause on {@code host}: a RESUME, or a point that does not keep it paused. */
    static boolean resumes(PlannedStep ps, String host) {
        if (!ps.runs() || ps.kind() != StepKind.ACTION || !ps.hosts().contains(host)) {
            return false;
        }
        if (ps.type().equals("pgbouncer.resume")) {
            return true;
        }
        return ps.type().equals("pgbouncer.point") && ps.targets().stream().filter(t -> host.equals(t.host()))
                .noneMatch(t -> t.context() != null && "true".equals(t.context().option("pause", "false")));
    }

    /**
     * The longest a step may take: its timeout, else the cluster's default (promote_timeout for a promotion,
     * wait_timeout for the rest), once per host unless its hosts are worked on at the same time. A skipped step or a
     * note takes nothing. The time an operator takes to answer a prompt is not known here: it counts against the deadline.
     */
    static Duration bound(PlannedStep ps, Settings settings, Registry registry) {
        if (!ps.runs() || ps.kind() == StepKind.NOTE) {
            return Duration.ZERO;
        }
        Duration each = ps.timeout() != null ? ps.timeout()
                : "postgres.promote".equals(ps.type()) ? settings.promoteTimeout() : settings.waitTimeout();
        boolean parallel = ps.kind() == StepKind.ACTION && registry.action(ps.type()).map(Action::parallel).orElse(false);
        return each.multipliedBy(parallel ? 1 : Math.max(1, ps.hosts().size()));
    }
}
