package io.pgrunbook.remote;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.SshSettings;
import net.schmizz.keepalive.KeepAliveProvider;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.KeyType;
import net.schmizz.sshj.connection.ConnectionException;
import net.schmizz.sshj.connection.channel.direct.DirectConnection;
import net.schmizz.sshj.connection.channel.direct.Parameters;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.connection.channel.direct.Signal;
import net.schmizz.sshj.transport.verification.OpenSSHKnownHosts;
import net.schmizz.sshj.userauth.UserAuthException;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;
import net.schmizz.sshj.userauth.password.PasswordFinder;
import net.schmizz.sshj.userauth.password.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import javax.net.SocketFactory;

/**
 * SSH transport on SSHJ: one connection per host for a whole pgrunbook command, one session per command, key
 * authentication only, host keys verified against known_hosts only.
 */
public final class SshTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger("io.pgrunbook.remote");
    /** Where an encrypted private key's passphrase may come from (there is no prompt: runs may be unattended). */
    public static final String PASSPHRASE_ENV = "PGRUNBOOK_SSH_PASSPHRASE";
    /** OpenSSH's default MaxSessions is 10; stay under it so concurrent callers queue instead of failing. */
    private static final int MAX_CONCURRENT_SESSIONS = 8;
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final String host;
    private final String where;
    private final String loginUser;
    private final SSHClient client;
    private final SSHClient jump;
    private final Semaphore sessions = new Semaphore(MAX_CONCURRENT_SESSIONS, true);
    private final ExecutorService pumps;
    private final Map<String, Forward> forwards = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private SshTransport(String host, String where, String loginUser, SSHClient client, SSHClient jump) {
        this.host = host;
        this.where = where;
        this.loginUser = loginUser;
        this.client = client;
        this.jump = jump;
        this.pumps = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "ssh-" + host + "-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Connects and authenticates to the host (through its jump host when it has one), or throws a one-line error. */
    public static SshTransport connect(Host host) {
        SshSettings ssh = host.ssh();
        Duration timeout = ssh.connectTimeout() != null ? ssh.connectTimeout() : Duration.ofSeconds(10);
        String user = ssh.user() != null ? ssh.user() : System.getProperty("user.name");
        Path knownHosts = Path.of(ssh.knownHosts());
        Keys keys = loadKeys(host.name(), ssh.identities(), ssh.agent());
        long start = System.nanoTime();
        SSHClient jumpClient = null;
        SSHClient target = null;
        try {
            if (ssh.jump() != null && !ssh.jump().isBlank()) {
                JumpSpec j = JumpSpec.parse(ssh.jump(), user);
                jumpClient = newClient(ssh, timeout);
                open(host.name(), "jump host " + j.host + ":" + j.port, jumpClient, knownHosts, timeout, keys, j.user,
                        c -> c.connect(j.host, j.port), j.host, j.port);
            }
            target = newClient(ssh, timeout);
            SSHClient via = jumpClient;
            open(host.name(), host.address() + ":" + ssh.port(), target, knownHosts, timeout, keys, user, c -> {
                if (via == null) {
                    c.connect(host.address(), ssh.port());
                } else {
                    DirectConnection dc = via.newDirectConnection(host.address(), ssh.port());
                    c.connectVia(dc);
                }
            }, host.address(), ssh.port());
            LOG.debug("{}: connected to {}@{}:{}{} in {} ms", host.name(), user, host.address(), ssh.port(),
                    jumpClient != null ? " via " + ssh.jump() : "", (System.nanoTime() - start) / 1_000_000);
            return new SshTransport(host.name(), host.address() + ":" + ssh.port(), user, target, jumpClient);
        } catch (RuntimeException e) {
            closeQuietly(target);
            closeQuietly(jumpClient);
            throw e;
        } finally {
            keys.close();
        }
    }

    private static SSHClient newClient(SshSettings ssh, Duration connectTimeout) {
        DefaultConfig config = new DefaultConfig();
        config.setKeepAliveProvider(KeepAliveProvider.KEEP_ALIVE);
        SSHClient c = new SSHClient(config);
        c.setSocketFactory(NoDelaySockets.INSTANCE);
        c.setConnectTimeout((int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
        if (ssh.keepAlive() != null && !ssh.keepAlive().isZero()) {
            // must be set before connect: the keep-alive thread starts with the connection
            c.getConnection().getKeepAlive().setKeepAliveInterval((int) Math.max(1, ssh.keepAlive().toSeconds()));
        }
        return c;
    }

    /**
     * Sockets with TCP_NODELAY: an exec is several small request/reply packets, and Nagle's algorithm against the
     * server's delayed ACK costs ~40 ms on each of them.
     */
    private static final class NoDelaySockets extends SocketFactory {
        static final NoDelaySockets INSTANCE = new NoDelaySockets();

        private static Socket noDelay(Socket s) throws IOException {
            s.setTcpNoDelay(true);
            return s;
        }

        @Override
        public Socket createSocket() throws IOException {
            return noDelay(new Socket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return noDelay(new Socket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return noDelay(new Socket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return noDelay(new Socket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return noDelay(new Socket(address, port, localAddress, localPort));
        }
    }

    private interface Connector {
        void connect(SSHClient client) throws IOException;
    }

    /**
     * Connects one hop. The socket connect has its own timeout, but SSHJ reads the server banner without one, so a
     * watchdog bounds the whole of connect, key exchange and authentication by the connect timeout.
     */
    private static void open(String name, String where, SSHClient c, Path knownHosts, Duration timeout,
                             Keys keys, String user, Connector connector, String address, int port) {
        KnownHostsVerifier verifier;
        try {
            verifier = new KnownHostsVerifier(knownHosts.toFile());
        } catch (IOException e) {
            throw new TransportException(name, "cannot read known_hosts " + knownHosts + ": " + e.getMessage(), e);
        }
        c.addHostKeyVerifier(verifier);
        AtomicBoolean expired = new AtomicBoolean();
        AtomicBoolean done = new AtomicBoolean();
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(timeout.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            if (!done.get()) {
                expired.set(true);
                closeQuietly(c.getSocket());
                closeQuietly(c);
            }
        }, "ssh-connect-watchdog-" + name);
        watchdog.setDaemon(true);
        watchdog.start();
        try {
            try {
                connector.connect(c);
            } catch (IOException | RuntimeException e) {
                if (verifier.failure != null) {
                    throw verifier.failure.toException(name, address, port, knownHosts);
                }
                throw connectError(name, where, timeout, expired.get(), e);
            }
            try {
                c.auth(user, keys.methods());
            } catch (UserAuthException e) {
                if (expired.get()) {
                    throw connectError(name, where, timeout, true, e);
                }
                throw new TransportException(name, where + ": authentication failed for user " + user + " with "
                        + keys.describe() + keys.skippedNote(), e);
            } catch (IOException | RuntimeException e) {
                throw connectError(name, where, timeout, expired.get(), e);
            }
        } finally {
            done.set(true);
            watchdog.interrupt();
        }
    }

    private static TransportException connectError(String name, String where, Duration timeout, boolean expired,
                                                   Exception e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String cause;
        if (expired || root instanceof SocketTimeoutException) {
            cause = "timed out after " + human(timeout);
        } else if (root instanceof ConnectException) {
            cause = "connection refused";
        } else if (root instanceof UnknownHostException) {
            cause = "unknown host name " + root.getMessage();
        } else if (root instanceof NoRouteToHostException) {
            cause = "no route to host";
        } else {
            cause = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
            if (root != e && e.getMessage() != null && !e.getMessage().equals(root.getMessage())) {
                cause = e.getMessage() + ": " + cause;
            }
        }
        return new TransportException(name, where + ": " + cause, e);
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    // ---------------------------------------------------------------- keys

    private record LoadedKey(String file, KeyProvider provider) {
    }

    /**
     * The keys we can use: the ssh-agent's first (as OpenSSH tries them), then the identity files; and why the
     * others were skipped. The agent's connection lives until the host is authenticated.
     */
    private record Keys(SshAgent agent, List<SshAgent.Identity> agentKeys, List<LoadedKey> usable, List<String> skipped)
            implements AutoCloseable {
        List<String> files() {
            return usable.stream().map(LoadedKey::file).toList();
        }

        List<net.schmizz.sshj.userauth.method.AuthMethod> methods() {
            List<net.schmizz.sshj.userauth.method.AuthMethod> m = new ArrayList<>();
            agentKeys.forEach(id -> m.add(new SshAgent.Auth(agent, id)));
            usable.forEach(k -> m.add(new net.schmizz.sshj.userauth.method.AuthPublickey(k.provider())));
            return m;
        }

        String describe() {
            List<String> parts = new ArrayList<>();
            if (!agentKeys.isEmpty()) {
                parts.add("the ssh-agent's keys " + agentKeys.stream().map(i -> i.type() + " " + i.comment()).toList());
            }
            if (!usable.isEmpty()) {
                parts.add("keys " + files());
            }
            return String.join(" and ", parts);
        }

        String skippedNote() {
            return skipped.isEmpty() ? "" : " (skipped: " + String.join("; ", skipped) + ")";
        }

        @Override
        public void close() {
            if (agent != null) {
                agent.close();
            }
        }
    }

    /**
     * Loads every identity file that exists, decrypting it now so that an encrypted key without a passphrase is a
     * clear error before any network traffic, not an obscure authentication failure later.
     */
    private static Keys loadKeys(String name, List<String> identities, String agentSocket) {
        List<LoadedKey> keys = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        SshAgent agent = null;
        List<SshAgent.Identity> agentKeys = List.of();
        if (agentSocket != null) {
            try {
                agent = SshAgent.connect(agentSocket);
                agentKeys = agent.identities();
                if (agentKeys.isEmpty()) {
                    problems.add("the ssh-agent at " + agentSocket + " holds no key (ssh-add)");
                }
            } catch (IOException e) {
                problems.add(e.getMessage());
                if (agent != null) {
                    agent.close();
                    agent = null;
                }
                agentKeys = List.of();
            }
        }
        String passphrase = System.getenv(PASSPHRASE_ENV);
        SSHClient loader = new SSHClient(new DefaultConfig());
        for (String file : identities == null ? List.<String>of() : identities) {
            if (!Files.isRegularFile(Path.of(file))) {
                continue;
            }
            boolean[] asked = {false};
            PasswordFinder finder = new PasswordFinder() {
                @Override
                public char[] reqPassword(Resource<?> resource) {
                    asked[0] = true;
                    return passphrase != null ? passphrase.toCharArray() : null;
                }

                @Override
                public boolean shouldRetry(Resource<?> resource) {
                    return false;
                }
            };
            try {
                KeyProvider kp = loader.loadKeys(file, finder);
                kp.getPrivate();
                kp.getPublic();
                keys.add(new LoadedKey(file, kp));
            } catch (IOException | RuntimeException e) {
                if (asked[0] && passphrase == null) {
                    problems.add("encrypted key " + file + ": add it to your ssh-agent (ssh-add " + file + "), or set "
                            + PASSPHRASE_ENV);
                } else if (asked[0]) {
                    problems.add("encrypted key " + file + ": cannot decrypt it with " + PASSPHRASE_ENV
                            + " (wrong passphrase?)");
                } else {
                    problems.add("cannot read key " + file + ": " + e.getMessage());
                }
            }
        }
        closeQuietly(loader);
        if (keys.isEmpty() && agentKeys.isEmpty()) {
            if (agent != null) {
                agent.close();
            }
            throw new TransportException(name, problems.isEmpty()
                    ? "no SSH identity file found (looked for " + identities + ") and no ssh-agent (SSH_AUTH_SOCK)"
                    : String.join("; ", problems));
        }
        // a usable key remains: go on, like OpenSSH, but say what was skipped, here and in an auth failure
        problems.forEach(p -> LOG.warn("{}: skipping {}", name, p));
        return new Keys(agent, agentKeys, keys, problems);
    }

    // ---------------------------------------------------------------- host keys

    /** known_hosts only: what it does not vouch for is refused, and the refusal is kept to explain it. */
    private static final class KnownHostsVerifier extends OpenSSHKnownHosts {
        volatile HostKeyFailure failure;

        KnownHostsVerifier(File file) throws IOException {
            super(file);
        }

        @Override
        public boolean verify(String hostname, int port, PublicKey key) {
            boolean ok = super.verify(hostname, port, key);
            if (!ok && failure == null) {
                failure = new HostKeyFailure(HostKeyFailure.Kind.REJECTED, key, null, getFile());
            }
            return ok;
        }

        @Override
        protected boolean hostKeyUnverifiableAction(String hostname, PublicKey key) {
            failure = new HostKeyFailure(HostKeyFailure.Kind.UNKNOWN, key, null, getFile());
            return false;
        }

        @Override
        protected boolean hostKeyChangedAction(String hostname, PublicKey key) {
            KeyType type = KeyType.fromKey(key);
            String line = null;
            for (KnownHostEntry e : entries()) {
                try {
                    if (e.appliesTo(type, hostname)) {
                        line = e.getLine();
                        break;
                    }
                } catch (IOException ignored) {
                    // an unreadable entry cannot be the one we show
                }
            }
            boolean revoked = line != null && line.startsWith("@revoked");
            failure = new HostKeyFailure(revoked ? HostKeyFailure.Kind.REVOKED : HostKeyFailure.Kind.CHANGED, key,
                    line, getFile());
            return false;
        }
    }

    private record HostKeyFailure(Kind kind, PublicKey key, String knownLine, File file) {
        enum Kind { UNKNOWN, CHANGED, REVOKED, REJECTED }

        HostKeyException toException(String name, String address, int port, Path knownHosts) {
            KeyType type = KeyType.fromKey(key);
            String fp = fingerprint(key);
            String at = address + ":" + port;
            String kh = knownHosts.toString();
            return switch (kind) {
                case UNKNOWN -> new HostKeyException(name, "unknown host key for " + at + ": " + type + " " + fp
                        + " is not in " + kh + (Files.exists(knownHosts) ? "" : " (the file does not exist)")
                        + ". Compare this fingerprint with the server's own (ssh-keygen -lf on its host key .pub),"
                        + " then add it: ssh-keyscan -p " + port + " -t " + keyscanType(type) + " "
                        + Shell.quote(address) + " >> " + Shell.quote(kh));
                case CHANGED -> new HostKeyException(name, "HOST KEY CHANGED for " + at + ": the server now presents "
                        + type + " " + fp + " but " + kh + " has: " + knownLine
                        + ". Someone may be intercepting the connection, or the server was reinstalled: check the"
                        + " fingerprint out of band before you replace the entry (ssh-keygen -R "
                        + Shell.quote(port == 22 ? address : "[" + address + "]:" + port) + " -f " + Shell.quote(kh) + ")");
                case REVOKED -> new HostKeyException(name, "host key for " + at + " is REVOKED in " + kh + ": " + type
                        + " " + fp + " (" + knownLine + ")");
                case REJECTED -> new HostKeyException(name, "host key for " + at + " was rejected: " + type + " " + fp
                        + " does not verify against " + kh);
            };
        }
    }

    /** The OpenSSH fingerprint: {@code SHA256:} and the unpadded base64 of the SHA-256 of the key blob. */
    static String fingerprint(PublicKey key) {
        byte[] blob = new Buffer.PlainBuffer().putPublicKey(key).getCompactData();
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob);
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String keyscanType(KeyType type) {
        return switch (type) {
            case ED25519, ED25519_CERT -> "ed25519";
            case ECDSA256, ECDSA384, ECDSA521, ECDSA256_CERT, ECDSA384_CERT, ECDSA521_CERT -> "ecdsa";
            case RSA, RSA_CERT -> "rsa";
            case DSA, DSA_CERT -> "dsa";
            default -> type.toString();
        };
    }

    // ---------------------------------------------------------------- jump host

    private record JumpSpec(String user, String host, int port) {
        /** {@code [user@]host[:port]}, the host possibly an IPv6 address in brackets. */
        static JumpSpec parse(String spec, String defaultUser) {
            String s = spec.trim();
            String user = defaultUser;
            int at = s.lastIndexOf('@');
            if (at >= 0) {
                user = s.substring(0, at);
                s = s.substring(at + 1);
            }
            int port = 22;
            String h = s;
            if (s.startsWith("[")) {
                int close = s.indexOf(']');
                h = s.substring(1, close);
                if (close + 1 < s.length() && s.charAt(close + 1) == ':') {
                    port = Integer.parseInt(s.substring(close + 2));
                }
            } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
                h = s.substring(0, s.indexOf(':'));
                port = Integer.parseInt(s.substring(s.indexOf(':') + 1));
            }
            return new JumpSpec(user, h, port);
        }
    }

    // ---------------------------------------------------------------- exec

    @Override
    public String host() {
        return host;
    }

    /** The SSH login user. */
    public String loginUser() {
        return loginUser;
    }

    @Override
    public ExecResult exec(RemoteCommand command, ExecOptions options) {
        ExecOptions opts = options != null ? options : ExecOptions.DEFAULT;
        boolean become = command.asUser() != null && !command.asUser().equals(loginUser);
        String line = command.toShellLine(become);
        if (LOG.isDebugEnabled()) {
            // a command with a display text may carry a secret in its argv: log what plans show instead
            LOG.debug("{}: $ {}", host, command.display() == null ? line
                    : (become ? "(as " + command.asUser() + ") " : "") + command.display());
        }
        if (closed) {
            throw new TransportException(host, "connection already closed");
        }
        long start = System.nanoTime();
        try {
            sessions.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException(host, "interrupted while waiting for a free SSH session", e);
        }
        Session session = null;
        try {
            session = client.startSession();
            Session.Command cmd = session.exec(line);
            StringBuilder out = new StringBuilder();
            StringBuilder err = new StringBuilder();
            Consumer<ExecOptions.OutputLine> listener = opts.listener();
            Future<?> outPump = pumps.submit(() -> pump(cmd.getInputStream(), out, false, listener));
            Future<?> errPump = pumps.submit(() -> pump(cmd.getErrorStream(), err, true, listener));
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
            return new ExecResult(code, stdout, stderr, took);
        } catch (IOException e) {
            throw new TransportException(host, where + ": cannot run command: " + e.getMessage(), e);
        } finally {
            closeQuietly(session);
            sessions.release();
        }
    }

    private void pump(InputStream stream, StringBuilder sink, boolean stderr, Consumer<ExecOptions.OutputLine> l) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            String text;
            while ((text = r.readLine()) != null) {
                synchronized (sink) {
                    sink.append(text).append('\n');
                }
                if (l != null) {
                    try {
                        l.accept(new ExecOptions.OutputLine(host, stderr, text));
                    } catch (RuntimeException e) {
                        // a broken listener must not stop the capture the result depends on
                        LOG.debug("{}: output listener failed: {}", host, e.toString());
                    }
                }
            }
        } catch (IOException e) {
            // the channel was closed under us (timeout or lost connection); what was read is kept
            LOG.debug("{}: output stream ended: {}", host, e.toString());
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

    // ---------------------------------------------------------------- forwards

    private record Forward(ServerSocket socket, Thread thread) {
    }

    @Override
    public InetSocketAddress forward(String targetHost, int targetPort) {
        if (closed) {
            throw new TransportException(host, "connection already closed");
        }
        Forward f = forwards.computeIfAbsent(targetHost + ":" + targetPort, k -> openForward(targetHost, targetPort));
        return new InetSocketAddress(f.socket.getInetAddress(), f.socket.getLocalPort());
    }

    /**
     * A local port served by our own accept loop: each connection gets its own direct-tcpip channel. SSHJ's
     * LocalPortForwarder stops listening for good when one channel cannot be opened (the server there is stopped,
     * as it is in the middle of a switchover), and every later connection then hangs in the backlog.
     */
    private Forward openForward(String targetHost, int targetPort) {
        try {
            ServerSocket ss = new ServerSocket();
            ss.setReuseAddress(true);
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread t = new Thread(() -> {
                while (!closed && !ss.isClosed()) {
                    Socket s;
                    try {
                        s = ss.accept();
                    } catch (IOException e) {
                        break;
                    }
                    Thread conn = new Thread(() -> serve(s, targetHost, targetPort),
                            "ssh-forward-" + host + "-" + targetHost + ":" + targetPort + "-conn");
                    conn.setDaemon(true);
                    conn.start();
                }
            }, "ssh-forward-" + host + "-" + targetHost + ":" + targetPort);
            t.setDaemon(true);
            t.start();
            LOG.debug("{}: forwarding 127.0.0.1:{} to {}:{} on the host", host, ss.getLocalPort(), targetHost,
                    targetPort);
            return new Forward(ss, t);
        } catch (IOException e) {
            throw new TransportException(host, "cannot open a local port forward to " + targetHost + ":" + targetPort
                    + ": " + e.getMessage(), e);
        }
    }

    /** Copies until end of stream, flushing every chunk: SSHJ's channel stream holds data until flushed. */
    private static void pump(java.io.InputStream in, java.io.OutputStream out) throws IOException {
        byte[] buf = new byte[16384];
        int n;
        while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
            out.flush();
        }
    }

    /** One forwarded connection: a channel to the target, bytes pumped both ways, both closed when either side ends. */
    private void serve(Socket s, String targetHost, int targetPort) {
        DirectConnection ch;
        try {
            // PgJDBC's small request/reply exchanges suffer from Nagle on our side of the tunnel too
            s.setTcpNoDelay(true);
            ch = client.newDirectConnection(targetHost, targetPort);
        } catch (IOException e) {
            // nothing listens there (a stopped server): this client sees its connection closed, the next one is served
            LOG.debug("{}: forward to {}:{} refused: {}", host, targetHost, targetPort, e.toString());
            closeQuietly(s);
            return;
        }
        Thread up = new Thread(() -> {
            try {
                pump(s.getInputStream(), ch.getOutputStream());
            } catch (IOException ignored) {
                // the other side ended
            } finally {
                closeQuietly(ch);
                closeQuietly(s);
            }
        }, "ssh-forward-up");
        up.setDaemon(true);
        up.start();
        try {
            pump(ch.getInputStream(), s.getOutputStream());
        } catch (IOException ignored) {
            // the other side ended
        } finally {
            closeQuietly(ch);
            closeQuietly(s);
        }
    }

    // ---------------------------------------------------------------- close

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Forward f : forwards.values()) {
            closeQuietly(f.socket);
        }
        forwards.clear();
        closeQuietly(client);
        closeQuietly(jump);
        pumps.shutdownNow();
        LOG.debug("{}: disconnected", host);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // closing is best effort
        }
    }
}
