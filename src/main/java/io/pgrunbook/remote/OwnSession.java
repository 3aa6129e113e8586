package io.pgrunbook.remote;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts the commands we run on this machine (psql, pg_ctl, pg_basebackup, rsync, the system ssh and its -W tunnels)
 * in a session of their own, through util-linux {@code setsid}, so that the operator's terminal signals only us.
 * <p>
 * Why: Ctrl-C at a terminal is SIGINT to the whole foreground process group, and a dropped SSH session to the bastion
 * is SIGHUP to it; both reached every child running at that instant, not only the JVM. The child died under the
 * engine's feet, so the step in flight was journaled as failed (exit 130 or ssh's 255) instead of interrupted, and an
 * uncancellable step was cut short all the same: over {@code transport: openssh} the promotion's SQL session (an
 * {@code ssh -W} tunnel) died mid-promotion, the run reported the promotion failed although it had happened, and the
 * resume then paused clients and waited on the stopped old primary. With its own session a child hears only what the
 * engine decides: the cancellation of a cancellable step (which kills it, as the step's timeout does), nothing during
 * a promotion. A second Ctrl-C during the undo no longer kills the undo's RESUME or pg_ctl start either.
 * <p>
 * {@code setsid} execs in place (a child of the JVM is no process group leader, so it does not fork): the pid we hold
 * is the command's, and timeouts and cancellation kill the right process. The child also has no controlling terminal,
 * so a tool that would ask for a password on /dev/tty in the middle of a step fails at once with its own message
 * instead of waiting for keys. Where there is no {@code setsid} (macOS), children start as before.
 */
public final class OwnSession {
    private static final String SETSID = find();

    private OwnSession() {
    }

    private static String find() {
        for (String d : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            Path p = Path.of(d, "setsid");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    /**
     * {@code argv} started in a session of its own where this system can; {@code argv} itself otherwise, and also when
     * its program cannot be found: then starting it fails in Java with the usual "cannot run" error, not in setsid.
     */
    public static List<String> argv(List<String> argv) {
        if (SETSID == null || argv.isEmpty() || !runnable(argv.get(0))) {
            return argv;
        }
        List<String> all = new ArrayList<>(argv.size() + 1);
        all.add(SETSID);
        all.addAll(argv);
        return all;
    }

    private static boolean runnable(String program) {
        if (program.contains("/")) {
            return Files.isExecutable(Path.of(program));
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }

    /** Whether children get a session of their own here. */
    public static boolean available() {
        return SETSID != null;
    }
}
