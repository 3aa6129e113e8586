package io.pgrunbook.runbook;

import io.pgrunbook.core.Secrets;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.LocalTransport;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Shell;

import java.io.PrintWriter;
import java.time.Duration;

/**
 * The cluster's {@code hooks.event} command, run on this machine at run start, step failure and run end, with
 * {event} {cluster} {host} {status} shell-quoted. A failing hook only warns: it must never stop a procedure.
 */
public final class EventHook {
    private final String command;
    private final String cluster;
    private final PrintWriter err;

    public EventHook(String command, String cluster, PrintWriter err) {
        this.command = command;
        this.cluster = cluster;
        this.err = err;
    }

    static String expand(String command, String event, String cluster, String host, String status) {
        return command.replace("{event}", Shell.quote(event))
                .replace("{cluster}", Shell.quote(cluster))
                .replace("{host}", Shell.quote(host == null ? "" : host))
                .replace("{status}", Shell.quote(status == null ? "" : status));
    }

    public void fire(String event, String host, String status) {
        if (command == null || command.isBlank()) {
            return;
        }
        String line = expand(command, event, cluster, host, status);
        try {
            ExecResult r = new LocalTransport("localhost").exec(RemoteCommand.shell(line), ExecOptions.timeout(Duration.ofSeconds(30)));
            if (!r.ok()) {
                warn("event hook failed (" + (r.exitCode() == null ? "timed out" : r.status()) + "): "
                        + Secrets.mask(r.tail(3)));
            }
        } catch (RuntimeException e) {
            warn("event hook could not run: " + e.getMessage());
        }
    }

    private void warn(String msg) {
        synchronized (err) {
            err.println("warning: " + msg);
            err.flush();
        }
    }
}
