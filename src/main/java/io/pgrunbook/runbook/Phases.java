package io.pgrunbook.runbook;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How long the parts of a procedure took that its journal does not time (probe, plan, lock, preflight, the final
 * status), as debug lines (shown with -v): the journal times steps, and an operator asking why a switchover took 3 s
 * needs the rest too.
 */
public final class Phases {
    private static final Logger LOG = LoggerFactory.getLogger("io.pgrunbook.phases");

    private Phases() {
    }

    /** Now, to pass to {@link #done} later. */
    public static long start() {
        return System.nanoTime();
    }

    /** Logs "WHAT in N ms (at the UTC time)" at debug level. */
    public static void done(String what, long startNanos) {
        if (LOG.isDebugEnabled()) {
            LOG.debug(what + " in " + (System.nanoTime() - startNanos) / 1_000_000 + " ms" + sinceStart());
        }
    }

    /** Logs "WHAT (at the UTC time)" at debug level: a point on the way, not a duration. */
    public static void mark(String what) {
        if (LOG.isDebugEnabled()) {
            LOG.debug(what + sinceStart());
        }
    }

    /** The wall clock, to line these up with the journal's times and with what ran beside the command. */
    private static String sinceStart() {
        return " (at " + java.time.LocalTime.now(java.time.ZoneOffset.UTC) + " UTC)";
    }
}
