package io.pgrunbook.remote;

import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.ConnectionException;
import net.schmizz.sshj.connection.channel.OpenFailException;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.connection.channel.direct.Signal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static io.pgrunbook.remote.SshSupport.closeQuietly;
import static io.pgrunbook.remote.SshSupport.human;

/** Commands on one SSH connection: a session each, both output streams read, a missing exit status a failure. */
final class SshExec {
    private static final Logger LOG = LoggerFactory.getLogger("io.pgrunbook.remote");
    /** OpenSSH's default MaxSessions is 10; start under it, and come down to what a server allows (SessionLimit). */
    private static final int MAX_CONCURRENT_SESSIONS = 8;
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final String host;
    private final String where;
    private final String loginUser;
    private final SSHClient client;
    private final SessionLimit sessions = new SessionLimit(MAX_CONCURRENT_SESSIONS);
    private final ExecutorService pumps;

    SshExec(String host, String where, String loginUser, SSHClient client) {
        this.host = host;
        this.where = where;
        this.loginUser = loginUser;
        this.client = client;
        this.pumps = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "ssh-" + host + "-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    ExecResult exec(RemoteCommand command, ExecOptions options) {
        ExecOptions opts = options != null ? options : ExecOptions.DEFAULT;
        boolean become = command.asUser() != null && !command.asUser().equals(loginUser);
        String line = Shell.join(LoginNoise.wrap(command.argv(become)));
        if (LOG.isDebugEnabled()) {
            // a command with a display text may carry a secret in its argv: log what plans show instead
            LOG.debug("{}: $ {}", host, command.display() == null ? line
                    : (become ? "(as " + command.asUser() + ") " : "") + command.display());
        }
        long start = System.nanoTime();
        Session session = null;
        try {
            session = openSession(start, opts.timeout());
            Session.Command cmd = session.exec(line);
            StringBuilder out = new StringBuilder();
            StringBuilder err = new StringBuilder();
            Consumer<ExecOptions.OutputLine> listener = opts.listener();
            LoginNoise.Splitter outNoise = new LoginNoise.Splitter();
            LoginNoise.Splitter errNoise = new LoginNoise.Splitter();
            Future<?> outPump = pumps.submit(() -> pump(cmd.getInputStream(), out, false, listener, outNoise));
            Future<?> errPump = pumps.submit(() -> pump(cmd.getErrorStream(), err, true, listener, errNoise));
            try (OutputStream in = cmd.getOutputStream()) {
                if (command.stdin() != null) {
                    in.write(command.stdin());
                    in.flush();
                }
            } catch (IOException e) {
                // the command may exit without reading its input; its exit status says what happened
                LOG.debug("{}: stdin not fully sent: {}", host, e.toString());
            }
            boolean timedOut = false;
            Duration timeout = opts.timeout();
            try {
                if (timeout == null) {
                    cmd.join();
                } else {
                    long left = timeout.toMillis() - (System.nanoTime() - start) / 1_000_000;
                    cmd.join(Math.max(1, left), TimeUnit.MILLISECONDS);
                }
            } catch (ConnectionException e) {
                if (timeout != null && System.nanoTime() - start >= timeout.toNanos()) {
                    timedOut = true;
                } else if (!client.isConnected()) {
                    throw new TransportException(host, where + ": connection lost while running the command: "
                            + e.getMessage(), e);
                } else {
                    throw e;
                }
            }
            if (timedOut) {
                try {
                    cmd.signal(Signal.KILL);
                } catch (IOException | RuntimeException ignored) {
                    // older servers ignore signals; closing the channel below still ends our side
                }
                closeQuietly(cmd);
            }
            awaitPump(outPump);
            awaitPump(errPump);
            Integer code = timedOut ? null : cmd.getExitStatus();
            String stderr;
            synchronized (err) {
                if (timedOut) {
                    err.append("pgrunbook: timed out after ").append(human(timeout))
                            .append("; channel closed (the remote process may still be running)\n");
                } else if (code == null) {
                    Signal sig = cmd.getExitSignal();
                    err.append("pgrunbook: no exit status from ").append(host)
                            .append(sig != null ? " (killed by signal " + sig + ")" : "").append('\n');
                }
                stderr = err.toString();
            }
            String stdout;
            synchronized (out) {
                stdout = out.toString();
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            LOG.debug("{}: exit {} in {} ms", host, code, took.toMillis());
            ExecResult result = new ExecResult(code, stdout, stderr, took, outNoise.noise() + errNoise.noise());
            if (become) {
                SudoTty.check(host, loginUser, command.asUser(), result);
            }
            return result;
        } catch (IOException e) {
            throw new TransportException(host, where + ": cannot run command: " + e.getMessage(), e);
        } finally {
            if (session != null) {
                closeQuietly(session);
                sessions.release(true);
            }
        }
    }

    /**
     * A session on the connection, in a slot of {@link SessionLimit}: a session the server refuses (its MaxSessions,
     * or one it has not freed yet) is asked for again once a slot is free, for up to {@link SessionLimit#RETRY_FOR}.
     */
    private Session openSession(long start, Duration timeout) throws IOException {
        Duration retryFor = timeout != null && timeout.compareTo(SessionLimit.RETRY_FOR) < 0 ? timeout
                : SessionLimit.RETRY_FOR;
        long deadline = start + retryFor.toNanos();
        for (int attempt = 0; ; attempt++) {
            try {
                sessions.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TransportException(host, "interrupted while waiting for a free SSH session", e);
            }
            Session session;
            try {
                session = client.startSession();
            } catch (OpenFailException e) {
                int openNow = sessions.refused();
                // sshd refuses a session past MaxSessions as CONNECT_FAILED, "open failed"; only an unknown channel
                // type says the server takes no sessions at all
                if (e.getReason() == OpenFailException.Reason.UNKNOWN_CHANNEL_TYPE) {
                    throw e;
                }
                if (System.nanoTime() > deadline) {
                    throw new TransportException(host, where + ": the server refuses a new SSH session (\""
                            + e.getMessage() + "\", " + openNow + " open on this connection; its sshd_config"
                            + " MaxSessions?)", e);
                }
                LOG.debug("{}: session refused with {} open ({}); limit now {}, asking again", host, openNow,
                        e.getMessage(), sessions.limit());
                sleep(SessionLimit.backoffMillis(attempt));
                continue;
            } catch (IOException | RuntimeException e) {
                sessions.release(false);
                throw e;
            }
            sessions.opened();
            return session;
        }
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException(host, "interrupted while waiting for a free SSH session", e);
        }
    }

    private void pump(InputStream stream, StringBuilder sink, boolean stderr, Consumer<ExecOptions.OutputLine> l,
                      LoginNoise.Splitter noise) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            String text;
            while ((text = r.readLine()) != null) {
                SshSupport.deliver(host, noise.accept(text), sink, stderr, l);
            }
        } catch (IOException e) {
            // the channel was closed under us (timeout or lost connection); what was read is kept
            LOG.debug("{}: output stream ended: {}", host, e.toString());
        } finally {
            SshSupport.deliver(host, noise.finish(), sink, stderr, l);
        }
    }

    private static void awaitPump(Future<?> pump) {
        try {
            pump.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            pump.cancel(true);
        }
    }

    void close() {
        pumps.shutdownNow();
    }
}
