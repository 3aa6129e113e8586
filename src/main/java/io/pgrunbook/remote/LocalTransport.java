package io.pgrunbook.remote;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs commands on this machine without a shell: the argv goes to the OS exactly as given. Becoming another user uses
 * {@code runuser} when we are root (no sudo, no password) and {@code sudo -n} otherwise. Commands get a clean
 * environment ({@link #cleanEnvironment}): the operator's secrets stay in this process.
 * <p>
 * ProcessBuilder rather than Commons Exec: Commons Exec trims every argument, so a value with leading or trailing
 * white space (a psql field separator, a line of a file we write) would not arrive as given.
 */
public final class LocalTransport implements Transport {
    private static final String CURRENT_USER = System.getProperty("user.name");
    private final String host;

    public LocalTransport(String host) {
        this.host = host;
    }

    /** What a command run as another user keeps of ours; runuser and sudo set HOME, USER, LOGNAME to the target's. */
    private static final java.util.regex.Pattern KEPT = java.util.regex.Pattern.compile("PATH|LANG|LANGUAGE|LC_[A-Z_]+|TZ|TERM");
    /** Names whose values are secrets: never handed to a command, not even one run as the operator. */
    private static final java.util.regex.Pattern SECRET = java.util.regex.Pattern.compile(
            "(?i).*(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIAL).*");

    /**
     * The environment a local command gets, edited in place (ProcessBuilder's copy of ours). As another user: only
     * {@link #KEPT}, as sudo's env_reset would (runuser, used as root, keeps everything: PGPASSWORD and
     * PGRUNBOOK_SSH_PASSPHRASE reached a step run as postgres and its output). As the operator: everything but the
     * secrets; libpq tools read ~/.pgpass, as over SSH, where no variable of ours arrives either.
     */
    static void cleanEnvironment(java.util.Map<String, String> env, boolean otherUser) {
        env.keySet().removeIf(k -> otherUser ? !KEPT.matcher(k).matches() : SECRET.matcher(k).matches());
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
        // its own session: the terminal's Ctrl-C or hangup reaches the engine only, which decides what stops (OwnSession)
        ProcessBuilder pb = new ProcessBuilder(OwnSession.argv(argv));
        cleanEnvironment(pb.environment(), command.asUser() != null && !command.asUser().equals(CURRENT_USER));
        // another user may not be allowed into our working directory (e.g. /root); "/" always works
        if (command.asUser() != null) {
            pb.directory(new File("/"));
        }
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        long start = System.nanoTime();
        Process p;
        try {
            p = start(pb);
        } catch (IOException e) {
            throw new TransportException(host, "cannot run " + argv.get(0) + ": " + e.getMessage(), e);
        }
        Thread stdout = pump(p.getInputStream(), new Lines(out, false, options.listener()));
        Thread stderr = pump(p.getErrorStream(), new Lines(err, true, options.listener()));
        try (OutputStream in = p.getOutputStream()) {
            if (command.stdin() != null) {
                in.write(command.stdin());
            }
        } catch (IOException ignored) {
            // the command closed its stdin early: its exit status tells what happened
        }
        Integer code;
        try {
            boolean ended = true;
            if (options.timeout() == null) {
                p.waitFor();
            } else {
                ended = p.waitFor(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
            }
            if (ended) {
                code = p.exitValue();
            } else {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                code = null;
            }
            stdout.join(5000);
            stderr.join(5000);
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new TransportException(host, "interrupted while running " + argv.get(0));
        }
        if (code == null) {
            synchronized (err) {
                err.append("pgrunbook: timed out after ").append(options.timeout().toSeconds()).append("s\n");
            }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        ExecResult result;
        synchronized (out) {
            synchronized (err) {
                result = new ExecResult(code, out.toString(), err.toString(), took);
            }
        }
        if ("sudo".equals(argv.get(0))) {
            // its own session has no terminal: under requiretty no command of ours can run through sudo here
            SudoTty.check(host, CURRENT_USER, command.asUser(), result);
        }
        return result;
    }

    /**
     * Starts the process; once more when the JDK's spawn helper was killed by a signal before it could exec the
     * command (a Ctrl-C to the terminal's process group in the instant between fork and setsid): the command never
     * ran, so starting it again is safe, and the engine, not that instant, decides what the signal stops.
     */
    static Process start(ProcessBuilder pb) throws IOException {
        try {
            return pb.start();
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("spawn helper") && m.contains("signal")) {
                return pb.start();
            }
            throw e;
        }
    }

    private Thread pump(InputStream from, Lines to) {
        Thread t = new Thread(() -> {
            try (from; to) {
                from.transferTo(to);
            } catch (IOException e) {
                // the process was killed (timeout, cancellation) and its pipe closed under us: what was read is kept
            }
        }, "local-" + host);
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Override
    public InetSocketAddress forward(String targetHost, int targetPort) {
        return InetSocketAddress.createUnresolved(targetHost, targetPort);
    }

    @Override
    public void close() {
        // nothing held open
    }

    /** Collects a stream byte for byte and hands each complete line to the listener as it arrives. */
    private final class Lines extends OutputStream {
        private final StringBuilder sink;
        private final boolean stderr;
        private final Consumer<ExecOptions.OutputLine> listener;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        Lines(StringBuilder sink, boolean stderr, Consumer<ExecOptions.OutputLine> listener) {
            this.sink = sink;
            this.stderr = stderr;
            this.listener = listener;
        }

        @Override
        public void write(int b) {
            if (b == '\n') {
                flushLine();
            } else {
                line.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }

        @Override
        public void close() {
            if (line.size() > 0) {
                flushLine();
            }
        }

        private void flushLine() {
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            synchronized (sink) {
                sink.append(text).append('\n');
            }
            if (listener != null) {
                listener.accept(new ExecOptions.OutputLine(host, stderr, text));
            }
        }
    }
}
