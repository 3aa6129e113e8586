package io.pgrunbook.remote;

import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteException;
import org.apache.commons.exec.ExecuteStreamHandler;
import org.apache.commons.exec.ExecuteWatchdog;
import org.apache.commons.exec.PumpStreamHandler;
import org.apache.commons.exec.LogOutputStream;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs commands on this machine with Commons Exec, without a shell: the argv goes to the OS as is. Becoming
 * another user uses {@code runuser} when we are root (no sudo, no password) and {@code sudo -n} otherwise.
 */
public final class LocalTransport implements Transport {
    private static final String CURRENT_USER = System.getProperty("user.name");
    private final String host;

    public LocalTransport(String host) {
        this.host = host;
    }

    public static boolean runningAsRoot() {
        return "root".equals(CURRENT_USER);
    }

    @Override
    public String host() {
        return host;
    }

    /** The argv actually executed, with the become wrapper. */
    static List<String> wrap(RemoteCommand command) {
        List<String> all = new ArrayList<>();
        String as = command.asUser();
        if (as != null && !as.equals(CURRENT_USER)) {
            if (runningAsRoot()) {
                all.addAll(List.of("runuser", "-u", as, "--"));
            } else {
                all.addAll(List.of("sudo", "-n", "-u", as, "--"));
            }
        }
        all.addAll(command.argv());
        return all;
    }

    @Override
    public ExecResult exec(RemoteCommand command, ExecOptions options) {
        List<String> argv = wrap(command);
        CommandLine cl = new CommandLine(argv.get(0));
        for (String a : argv.subList(1, argv.size())) {
            cl.addArgument(a, false);
        }
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        Consumer<ExecOptions.OutputLine> listener = options.listener();
        DefaultExecutor executor = DefaultExecutor.builder()
                // another user may not be allowed into our working directory (e.g. /root); "/" always works
                .setWorkingDirectory(command.asUser() != null ? new File("/") : new File("."))
                .get();
        executor.setExitValues(null);
        ExecuteWatchdog watchdog = null;
        if (options.timeout() != null) {
            watchdog = ExecuteWatchdog.builder().setTimeout(options.timeout()).get();
            executor.setWatchdog(watchdog);
        }
        ExecuteStreamHandler streams = new PumpStreamHandler(new Lines(out, false, listener),
                new Lines(err, true, listener),
                command.stdin() != null ? new ByteArrayInputStream(command.stdin()) : null);
        executor.setStreamHandler(streams);
        long start = System.nanoTime();
        Integer code;
        try {
            code = executor.execute(cl);
        } catch (ExecuteException e) {
            code = e.getExitValue();
        } catch (IOException e) {
            throw new TransportException(host, "cannot run " + argv.get(0) + ": " + e.getMessage(), e);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        if (watchdog != null && watchdog.killedProcess()) {
            err.append("pgrunbook: timed out after ").append(options.timeout().toSeconds()).append("s\n");
            code = null;
        }
        return new ExecResult(code, out.toString(), err.toString(), took);
    }

    @Override
    public InetSocketAddress forward(String targetHost, int targetPort) {
        return InetSocketAddress.createUnresolved(targetHost, targetPort);
    }

    @Override
    public void close() {
        // nothing held open
    }

    /** Collects a stream and hands each line to the listener as it arrives. */
    private final class Lines extends LogOutputStream {
        private final StringBuilder sink;
        private final boolean stderr;
        private final Consumer<ExecOptions.OutputLine> listener;

        Lines(StringBuilder sink, boolean stderr, Consumer<ExecOptions.OutputLine> listener) {
            this.sink = sink;
            this.stderr = stderr;
            this.listener = listener;
        }

        @Override
        protected void processLine(String line, int level) {
            synchronized (sink) {
                sink.append(line).append('\n');
            }
            if (listener != null) {
                listener.accept(new ExecOptions.OutputLine(host, stderr, line));
            }
        }
    }
}
