package io.pgrunbook.remote;

import io.pgrunbook.inventory.Host;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.pgrunbook.remote.SshSupport.human;

/**
 * SSH through the system {@code ssh} ({@code transport: openssh}): each command is an {@code ssh} process that goes
 * through one multiplexed master connection per host ({@link OpenSshOptions}), which outlives the pgrunbook command
 * for {@code ssh.control_persist}, so the next command to the host, in this run or the next one, pays no handshake.
 * ~/.ssh/config applies to everything the inventory does not set. Host keys are always checked strictly.
 * <p>
 * A command without stdin runs under a small remote wrapper that watches the channel: when the ssh process is killed
 * (timeout, Ctrl-C), the channel closes and the wrapper sends SIGHUP to the command's process group, as closing an
 * SSH session with a terminal would. A command given stdin has no such watcher (its stdin is the command's).
 */
public final class OpenSshTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger("io.pgrunbook.remote");
    /** Runs "$@" in its own session, and HUPs that process group when its stdin (the SSH channel) ends first. */
    static final String WATCH = LoginNoise.BEGIN_MARKS + "exec 3<&0 </dev/null; "
            // sh gives a background job /dev/null as stdin unless told otherwise: the watcher reads the channel as fd 3
            + "if command -v setsid >/dev/null 2>&1; then setsid \"$@\" 3<&- & else \"$@\" 3<&- & fi; c=$!; "
            + "{ cat <&3 >/dev/null; kill -HUP -- -$c 2>/dev/null || kill -HUP $c 2>/dev/null; } >/dev/null 2>&1 & w=$!; "
            + "exec 3<&-; wait $c; s=$?; kill $w 2>/dev/null; exit $s";

    /**
     * OpenSSH's default MaxSessions is 10 per connection, and every command is a session on the one master; a host
     * that allows fewer refuses the master's session, and ssh then logs in again on its own connection: the limit
     * comes down to the commands running then, so the next ones wait for the master instead.
     */
    private final SessionLimit sessions = new SessionLimit(8);
    /** What ssh prints when the master's server refused it a session (ssh then connects on its own). */
    static final String MUX_REFUSED = "mux_client_request_session: session request failed: Session open refused by peer";
    private final Host host;
    private final OpenSshOptions options;
    private final OpenSshForwards forwards;
    private volatile String loginUser;
    private volatile boolean closed;

    private OpenSshTransport(Host host, OpenSshOptions options) {
        this.host = host;
        this.options = options;
        this.forwards = new OpenSshForwards(host.name(), options);
    }

    /** Makes sure a master connection to the host is up (opening one, with its host key checked), or throws a one-line error. */
    public static OpenSshTransport connect(Host host) {
        Path dir;
        try {
            dir = OpenSshOptions.controlDir(System.getenv(), System.getProperty("user.home"));
        } catch (IllegalStateException e) {
            throw new TransportException(host.name(), e.getMessage(), e);
        }
        OpenSshTransport t = new OpenSshTransport(host, OpenSshOptions.of(host, dir));
        t.ensureMaster();
        return t;
    }

    private void ensureMaster() {
        if (masterAlive(options.controlPath())) {
            LOG.debug("{}: reusing the ssh master {}", host.name(), options.controlPath());
            return;
        }
        long start = System.nanoTime();
        Duration limit = connectLimit();
        // "true" through ControlMaster=auto: becomes the master (which ControlPersist sends to the background) or, if
        // another pgrunbook opened one meanwhile, simply uses it
        Run r = run(options.command("true"), limit);
        if (r.code == null || r.code != 0) {
            throw OpenSshErrors.connectError(host, options, r.stderr, r.code == null ? limit : null);
        }
        LOG.debug("{}: ssh master {} up in {} ms", host.name(), options.controlPath(), (System.nanoTime() - start) / 1_000_000);
    }

    private Duration connectLimit() {
        Duration c = host.ssh().connectTimeout() != null ? host.ssh().connectTimeout() : Duration.ofSeconds(10);
        // ConnectTimeout bounds the TCP connect; the key exchange and authentication get the same again
        return c.multipliedBy(2).plusSeconds(1);
    }

    /** A master listens on the control socket: connecting to it costs no process and no handshake. */
    static boolean masterAlive(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String host() {
        return host.name();
    }

    /** The user ssh logs in as: the inventory's, else what ~/.ssh/config says (ssh -G, read once). */
    public String loginUser() {
        String u = loginUser;
        if (u == null) {
            if (host.ssh().isGiven("user") && host.ssh().user() != null) {
                u = host.ssh().user();
            } else {
                u = OpenSshErrors.effective(options, "user");
                if (u == null) {
                    u = System.getProperty("user.name");
                }
            }
            loginUser = u;
        }
        return u;
    }

    @Override
    public ExecResult exec(RemoteCommand command, ExecOptions execOptions) {
        if (closed) {
            throw new TransportException(host.name(), "connection already closed");
        }
        ExecOptions opts = execOptions != null ? execOptions : ExecOptions.DEFAULT;
        boolean become = command.asUser() != null && !command.asUser().equals(loginUser());
        boolean watched = command.stdin() == null;
        String line = watched ? watchedLine(command, become) : Shell.join(LoginNoise.wrap(command.argv(become)));
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}: $ {}", host.name(), command.display() == null ? command.toShellLine(become)
                    : (become ? "(as " + command.asUser() + ") " : "") + command.display());
        }
        long start = System.nanoTime();
        try {
            sessions.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException(host.name(), "interrupted while waiting for a free SSH session", e);
        }
        sessions.opened();
        ExecResult r;
        boolean refused = false;
        try {
            r = run(command, opts, line, watched, start);
            // ssh says so before the remote shell runs: among the lines ahead of the mark
            String said = r.stderr() + r.loginNoise();
            refused = said.contains(MUX_REFUSED) || said.contains(muxDisabled());
        } finally {
            if (refused) {
                // it ran all the same, over a connection of its own; the others running now are what the host allows
                sessions.ranBeside();
            }
            sessions.release(true);
        }
        if (become) {
            SudoTty.check(host.name(), loginUser(), command.asUser(), r);
        }
        if (!refused) {
            return r;
        }
        LOG.debug("{}: the master's server refused a session; at most {} commands at once now", host.name(),
                sessions.limit());
        return new ExecResult(r.exitCode(), r.stdout(), withoutLines(r.stderr(), MUX_REFUSED, muxDisabled()),
                r.duration(), withoutLines(r.loginNoise(), MUX_REFUSED, muxDisabled()));
    }

    private ExecResult run(RemoteCommand command, ExecOptions opts, String line, boolean watched, long start) {
        Process p = start(options.command(line), host.name());
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        LoginNoise.Splitter outNoise = new LoginNoise.Splitter();
        LoginNoise.Splitter errNoise = new LoginNoise.Splitter();
        Thread outPump = pump(p.getInputStream(), out, false, opts.listener(), outNoise);
        Thread errPump = pump(p.getErrorStream(), err, true, opts.listener(), errNoise);
        OutputStream in = p.getOutputStream();
        try {
            if (!watched) {
                in.write(command.stdin());
                in.close();
            }
        } catch (IOException e) {
            // the command may exit without reading its input; its exit status says what happened
            LOG.debug("{}: stdin not fully sent: {}", host.name(), e.toString());
        }
        boolean timedOut = false;
        try {
            Duration timeout = opts.timeout();
            if (timeout == null) {
                p.waitFor();
            } else if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut = true;
                kill(p);
            }
            outPump.join(10_000);
            errPump.join(10_000);
        } catch (InterruptedException e) {
            // cancelled: the channel closes with our ssh, and the remote watcher hangs the command up
            kill(p);
            Thread.currentThread().interrupt();
            throw new TransportException(host.name(), "interrupted; ssh stopped (the command on the host got SIGHUP)");
        } finally {
            SshSupport.closeQuietly(in);
        }
        Integer code = timedOut ? null : p.exitValue();
        String stderr;
        synchronized (err) {
            stderr = err.toString();
        }
        if (code != null && code == 255) {
            String sshSays = OpenSshErrors.clientError(stderr);
            if (sshSays != null) {
                throw new TransportException(host.name(), options.destination() + ": " + sshSays);
            }
            if (!watched) {
                // no watcher: ssh reports a command killed by a signal as 255 and says nothing
                code = null;
                stderr = stderr + "pgrunbook: no exit status from " + host.name() + " (ssh ended with 255: killed by a"
                        + " signal, or the connection was lost)\n";
            }
        }
        if (timedOut) {
            stderr = stderr + "pgrunbook: timed out after " + human(opts.timeout()) + "; ssh stopped"
                    + (watched ? ", the command on the host got SIGHUP\n" : " (the remote process may still be running)\n");
        }
        String stdout;
        synchronized (out) {
            stdout = out.toString();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        LOG.debug("{}: exit {} in {} ms", host.name(), code, took.toMillis());
        return new ExecResult(code, stdout, stderr, took, outNoise.noise() + errNoise.noise());
    }

    /** What ssh prints when, refused by the master, it could not become a master itself (the socket is taken). */
    private String muxDisabled() {
        return "ControlSocket " + options.controlPath() + " already exists, disabling multiplexing";
    }

    /** {@code stderr} without ssh's lines about its multiplexing (the command ran all the same). */
    static String withoutLines(String stderr, String... lines) {
        List<String> drop = List.of(lines);
        StringBuilder kept = new StringBuilder();
        for (String l : stderr.split("\n", -1)) {
            if (!drop.contains(l.strip())) {
                kept.append(l).append('\n');
            }
        }
        return kept.length() > 0 ? kept.substring(0, kept.length() - 1) : "";
    }

    /** The remote line of a command run under {@link #WATCH}; the become wrapper goes inside, so sudo is watched too. */
    static String watchedLine(RemoteCommand command, boolean become) {
        List<String> all = new ArrayList<>(List.of("sh", "-c", WATCH, "pgrunbook"));
        if (become && command.asUser() != null) {
            all.addAll(List.of("sudo", "-n", "-u", command.asUser(), "--"));
        }
        all.addAll(command.argv());
        return Shell.join(all);
    }

    @Override
    public InetSocketAddress forward(String targetHost, int targetPort) {
        if (closed) {
            throw new TransportException(host.name(), "connection already closed");
        }
        return forwards.forward(targetHost, targetPort);
    }

    @Override
    public boolean alive() {
        return !closed && masterAlive(options.controlPath());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        forwards.close();
        if (options.persist().isZero()) {
            run(options.control("exit"), Duration.ofSeconds(5));
        }
    }

    /** The ssh binary and its version, e.g. "/usr/bin/ssh (OpenSSH_9.2p1 Debian-2+deb12u10)", for doctor. */
    public static String clientVersion() {
        Run r = run(List.of("ssh", "-V"), Duration.ofSeconds(5));
        String v = r.stderr.strip();
        int comma = v.indexOf(',');
        return which("ssh") + " (" + (comma > 0 ? v.substring(0, comma) : v) + ")";
    }

    /** Where the master's control socket is, for doctor. */
    public Path controlPath() {
        return options.controlPath();
    }

    private static String which(String cmd) {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(":")) {
                Path p = Path.of(d.isEmpty() ? "." : d, cmd);
                if (Files.isExecutable(p)) {
                    return p.toString();
                }
            }
        }
        return cmd;
    }

    static Process start(List<String> argv, String host) {
        // its own session: a Ctrl-C at the terminal must not end a command's ssh or a tunnel's ssh -W under the engine
        ProcessBuilder pb = new ProcessBuilder(OwnSession.argv(argv));
        // our secrets stay here, as for local commands; ssh needs nothing of them (its agent socket is not a secret)
        LocalTransport.cleanEnvironment(pb.environment(), false);
        try {
            return LocalTransport.start(pb);
        } catch (IOException e) {
            throw new TransportException(host, "cannot run ssh: " + e.getMessage() + " (is the OpenSSH client installed?)", e);
        }
    }

    /** SIGTERM first: an ssh client ends its channel cleanly on it, which is what hangs the remote command up. */
    static void kill(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(2, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    record Run(Integer code, String stdout, String stderr) {
    }

    /** A short local ssh run (connect, -G, -O, -V) with both outputs collected; a null code when it ran out of time. */
    static Run run(List<String> argv, Duration limit) {
        ProcessBuilder pb = new ProcessBuilder(OwnSession.argv(argv));
        LocalTransport.cleanEnvironment(pb.environment(), false);
        Path errFile = null;
        try {
            // a file, not a pipe, for stderr: a master that ControlPersist sends to the background must not hold our pipe
            errFile = Files.createTempFile("pgrunbook-ssh-", ".err");
            pb.redirectError(errFile.toFile());
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Path outFile = Files.createTempFile("pgrunbook-ssh-", ".out");
            pb.redirectOutput(outFile.toFile());
            Process p = LocalTransport.start(pb);
            Integer code;
            try {
                if (p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                    code = p.exitValue();
                } else {
                    kill(p);
                    code = null;
                }
            } catch (InterruptedException e) {
                kill(p);
                Thread.currentThread().interrupt();
                code = null;
            }
            String out = Files.readString(outFile, StandardCharsets.UTF_8);
            Files.deleteIfExists(outFile);
            return new Run(code, out, Files.readString(errFile, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Run(null, "", "cannot run ssh: " + e.getMessage());
        } finally {
            if (errFile != null) {
                try {
                    Files.deleteIfExists(errFile);
                } catch (IOException ignored) {
                    // a temporary file
                }
            }
        }
    }

    private Thread pump(InputStream stream, StringBuilder sink, boolean stderr, Consumer<ExecOptions.OutputLine> l,
                        LoginNoise.Splitter noise) {
        Thread t = new Thread(() -> {
            try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String text;
                while ((text = r.readLine()) != null) {
                    SshSupport.deliver(host.name(), noise.accept(text), sink, stderr, l);
                }
            } catch (IOException e) {
                LOG.debug("{}: output stream ended: {}", host.name(), e.toString());
            } finally {
                SshSupport.deliver(host.name(), noise.finish(), sink, stderr, l);
            }
        }, "openssh-" + host.name());
        t.setDaemon(true);
        t.start();
        return t;
    }
}
