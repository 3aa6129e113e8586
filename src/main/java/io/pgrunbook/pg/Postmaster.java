package io.pgrunbook.pg;

import io.pgrunbook.remote.Shell;

/**
 * Shell fragments about the postmaster of a data directory, run on its host. A postmaster killed with -9 whose parent
 * does not reap it stays a zombie: its pid still "exists", so pg_ctl calls it running and PostgreSQL takes its lock
 * file for a live server. Only /proc tells it is dead.
 */
public final class Postmaster {
    private Postmaster() {
    }

    /**
     * Sets {@code $st} to the state letter of the process named in postmaster.pid ({@code Z} zombie, {@code X} dead,
     * {@code R}/{@code S}/... alive), or to the empty string when there is no pid file or no such process.
     */
    public static String stateScript(String dataDir) {
        String data = Shell.quote(dataDir);
        return "pid=$(head -n 1 " + data + "/postmaster.pid 2>/dev/null); st=''; "
                + "if [ -n \"$pid\" ]; then st=$(sed -e 's/^.*) //' /proc/\"$pid\"/stat 2>/dev/null | cut -c1); fi; ";
    }
}
