package io.pgrunbook.lab;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.lab.LabLayout.LabHost;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.LocalTransport;
import io.pgrunbook.remote.RemoteCommand;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The lab's processes: commands run as the servers' OS user, and the servers found (or waited out) by pid. */
final class LabProcesses {
    private LabProcesses() {
    }

    static final Duration CMD_TIMEOUT = Duration.ofSeconds(120);

    static ExecResult run(String osUser, String host, String... argv) {
        RemoteCommand cmd = RemoteCommand.of(argv);
        if (osUser != null) {
            cmd = cmd.as(osUser);
        }
        return new LocalTransport(host).exec(cmd, ExecOptions.timeout(CMD_TIMEOUT));
    }

    static void exec(String osUser, String host, String what, String... argv) {
        ExecResult r = run(osUser, host, argv);
        if (!r.ok()) {
            throw new PgrunbookException(Outcome.FAILED, host + ": " + what + " failed (" + r.status() + "): "
                    + LabWait.oneLine(r.tail(3)));
        }
    }

    static Optional<Long> pidFrom(Path pidFile) {
        try {
            String first = Files.readAllLines(pidFile, StandardCharsets.UTF_8).stream().findFirst().orElse("").strip();
            return first.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(first));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Polls until the process is gone; a zombie (exited, not yet reaped by its parent or init) counts as gone. */
    static boolean waitExit(ProcessHandle p, Duration d) {
        long deadline = System.nanoTime() + d.toNanos();
        while (alive(p)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !alive(p);
            }
        }
        return true;
    }

    static boolean alive(ProcessHandle p) {
        if (!p.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(p.pid()), "stat"), StandardCharsets.UTF_8);
            int close = stat.lastIndexOf(')');
            return !(close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) == 'Z');
        } catch (IOException e) {
            return p.isAlive(); // no /proc (not Linux) or gone meanwhile
        }
    }

    /**
     * The hosts of the lab whose PostgreSQL runs now (by postmaster.pid and a live process), e.g. for lab status.
     * A drill may have stopped any of them, so a lab counts as running when any host is.
     */
    static List<String> runningHosts(LabLayout layout) {
        List<String> up = new ArrayList<>();
        for (LabHost h : layout.hosts()) {
            if (pidFrom(layout.dataDir(h.name()).resolve("postmaster.pid")).flatMap(ProcessHandle::of).filter(LabProcesses::alive).isPresent()) {
                up.add(h.name());
            }
        }
        return up;
    }
}
