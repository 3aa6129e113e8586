package io.pgrunbook.remote;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.SshSettings;
import net.schmizz.keepalive.KeepAliveProvider;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.direct.DirectConnection;
import net.schmizz.sshj.userauth.UserAuthException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.pgrunbook.remote.SshSupport.closeQuietly;
import static io.pgrunbook.remote.SshSupport.human;

/** Opening an authenticated SSH connection, through a jump host when there is one, with one-line errors. */
final class SshConnector {
    private static final Logger LOG = LoggerFactory.getLogger("io.pgrunbook.remote");

    /** An authenticated connection to {@code name} at {@code where} (and the jump host's, closed with it). */
    record Connected(String name, String where, String loginUser, SSHClient client, SSHClient jump) {
    }

    private SshConnector() {
    }

    /** Connects and authenticates to the host (through its jump host when it has one), or throws a one-line error. */
    static Connected connect(Host host) {
        SshSettings ssh = host.ssh();
        Duration timeout = ssh.connectTimeout() != null ? ssh.connectTimeout() : Duration.ofSeconds(10);
        String user = ssh.user() != null ? ssh.user() : System.getProperty("user.name");
        Path knownHosts = Path.of(ssh.knownHosts());
        SshKeys.Keys keys = SshKeys.load(host.name(), ssh.identities(), ssh.agent());
        long start = System.nanoTime();
        SSHClient jumpClient = null;
        SSHClient target = null;
        try {
            if (ssh.jump() != null && !ssh.jump().isBlank()) {
                JumpSpec j = JumpSpec.parse(ssh.jump(), user);
                jumpClient = newClient(ssh, timeout);
                open(host.name(), "jump host " + j.host() + ":" + j.port(), jumpClient, knownHosts, timeout, keys,
                        j.user(), c -> c.connect(j.host(), j.port()), j.host(), j.port());
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
            return new Connected(host.name(), host.address() + ":" + ssh.port(), user, target, jumpClient);
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

    private interface Connector {
        void connect(SSHClient client) throws IOException;
    }

    /**
     * Connects one hop. The socket connect has its own timeout, but SSHJ reads the server banner without one, so a
     * watchdog bounds the whole of connect, key exchange and authentication by the connect timeout.
     */
    private static void open(String name, String where, SSHClient c, Path knownHosts, Duration timeout,
                             SshKeys.Keys keys, String user, Connector connector, String address, int port) {
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
}
