package io.pgrunbook.remote;

import io.pgrunbook.inventory.Host;
import net.schmizz.sshj.SSHClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;

import static io.pgrunbook.remote.SshSupport.closeQuietly;

/**
 * SSH transport on SSHJ: one connection per host for a whole pgrunbook command, one session per command, key
 * authentication only, host keys verified against known_hosts only. Connecting is {@link SshConnector} (keys:
 * {@link SshKeys}, host keys: {@link KnownHostsVerifier}), commands {@link SshExec}, forwards {@link SshForwards}.
 */
public final class SshTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger("io.pgrunbook.remote");
    /** Where an encrypted private key's passphrase may come from (there is no prompt: runs may be unattended). */
    public static final String PASSPHRASE_ENV = SshKeys.PASSPHRASE_ENV;

    private final String host;
    private final String loginUser;
    private final SSHClient client;
    private final SSHClient jump;
    private final SshExec exec;
    private final SshForwards forwards;
    private volatile boolean closed;

    private SshTransport(SshConnector.Connected c) {
        this.host = c.name();
        this.loginUser = c.loginUser();
        this.client = c.client();
        this.jump = c.jump();
        this.exec = new SshExec(c.name(), c.where(), c.loginUser(), c.client());
        this.forwards = new SshForwards(c.name(), c.client());
    }

    /** Connects and authenticates to the host (through its jump host when it has one), or throws a one-line error. */
    public static SshTransport connect(Host host) {
        return new SshTransport(SshConnector.connect(host));
    }

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
        if (closed) {
            throw new TransportException(host, "connection already closed");
        }
        return exec.exec(command, options);
    }

    @Override
    public InetSocketAddress forward(String targetHost, int targetPort) {
        if (closed) {
            throw new TransportException(host, "connection already closed");
        }
        return forwards.forward(targetHost, targetPort);
    }

    @Override
    public boolean alive() {
        return !closed && client.isConnected() && client.isAuthenticated();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        forwards.close();
        closeQuietly(client);
        closeQuietly(jump);
        exec.close();
        LOG.debug("{}: disconnected", host);
    }
}
