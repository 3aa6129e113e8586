package io.pgrunbook.londiste;

import io.pgrunbook.inventory.LondisteSettings;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Shell;

/**
 * The shell commands that start, stop and look at a Londiste worker and its ticker: a site's own (inventory
 * replication.worker / replication.ticker), else the skytools defaults. Both tools refuse to start a second copy while
 * the pid in their pidfile lives ("Pidfile exists"), so a start is tried again while a stopped one finishes its batch.
 */
public final class LondisteCommands {
    /** Printed by {@link #workerState}: running, stopped, or unknown (no readable ini, or a pidfile we cannot resolve). */
    public static final String RUNNING = "running";
    public static final String STOPPED = "stopped";

    private LondisteCommands() {
    }

    /** The worker's state from the pidfile its ini names: the worker's own notion of whether it runs. */
    public static String workerStateScript(LondisteSettings l) {
        String ini = Shell.quote(l.ini());
        return "[ -r " + ini + " ] || { echo unknown; exit 0; }; "
                + "pf=$(sed -n 's/^[[:space:]]*pidfile[[:space:]]*=[[:space:]]*//p' " + ini + " | tail -n 1); "
                + "case \"$pf\" in ''|*'%('*) echo unknown; exit 0;; esac; "
                // a worker that exited under a PID 1 that does not reap stays a zombie: kill -0 still finds it
                + "pid=$(cat \"$pf\" 2>/dev/null); st=''; "
                + "if [ -n \"$pid\" ]; then st=$(sed -e 's/^.*) //' /proc/\"$pid\"/stat 2>/dev/null | cut -c1); fi; "
                + "case \"$st\" in ''|Z|X) echo " + STOPPED + ";; *) if kill -0 \"$pid\" 2>/dev/null; then echo " + RUNNING
                + "; else echo " + STOPPED + "; fi;; esac";
    }

    /** The worker's log file: the inventory's, else the ini's logfile. */
    public static String logFileScript(LondisteSettings l) {
        if (l.logFile() != null) {
            return "echo " + Shell.quote(l.logFile());
        }
        return "sed -n 's/^[[:space:]]*logfile[[:space:]]*=[[:space:]]*//p' " + Shell.quote(l.ini()) + " | tail -n 1";
    }

    public static String workerStart(LondisteSettings l) {
        if (!l.defaultWorker()) {
            return l.workerStart();
        }
        String ini = Shell.quote(l.ini());
        // a stopping worker still holds its pidfile while it finishes its batch: try again for up to 60 s
        return "for i in $(seq 1 120); do londiste " + ini + " worker -d && exit 0; "
                + "st=$(" + workerStateScript(l) + "); [ \"$st\" = " + RUNNING + " ] && exit 0; sleep 0.5; done; exit 1";
    }

    public static String workerStop(LondisteSettings l) {
        if (!l.defaultWorker()) {
            return l.workerStop();
        }
        String ini = Shell.quote(l.ini());
        // SIGINT: the worker finishes the batch it applies, then exits; wait for that (up to 60 s)
        return "londiste " + ini + " worker -s; for i in $(seq 1 120); do st=$(" + workerStateScript(l)
                + "); [ \"$st\" = " + RUNNING + " ] || exit 0; sleep 0.5; done; echo 'the worker still runs 60 s after SIGINT' >&2; exit 1";
    }

    /** Stop, then start; each in its own subshell, as both end with exit. */
    public static String workerRestart(LondisteSettings l) {
        return "( " + workerStop(l) + " ) && ( " + workerStart(l) + " )";
    }

    /** A site's ticker command for {@code host}: {@code {host}} replaced (shell-quoted) by its name. */
    public static String tickerCommand(String command, String host) {
        return command == null ? null : command.replace("{host}", Shell.quote(host));
    }

    public static String tickerStart(LondisteSettings l, String host) {
        if (l.tickerStart() != null) {
            return tickerCommand(l.tickerStart(), host);
        }
        String ini = Shell.quote(l.tickerIni(host));
        // already running: pgqd -d refuses on its pidfile; -r (SIGHUP) then proves that one lives
        return "pgqd -d " + ini + " || pgqd -r " + ini;
    }

    public static String tickerStop(LondisteSettings l, String host) {
        if (l.tickerStop() != null) {
            return tickerCommand(l.tickerStop(), host);
        }
        return "pgqd -s " + Shell.quote(l.tickerIni(host));
    }

    public static RemoteCommand shell(String script, String become) {
        return RemoteCommand.shell(script).as(become);
    }
}
