package io.pgrunbook.remote;

import io.pgrunbook.inventory.Host;

import java.net.InetSocketAddress;

/** SSH transport on SSHJ. PLACEHOLDER: being written. */
public final class SshTransport implements Transport {
    private final String host;

    private SshTransport(String host) {
        this.host = host;
    }

    public static SshTransport connect(Host host) {
        throw new TransportException(host.name(), "SSH transport not yet implemented");
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public ExecResult exec(RemoteCommand command, ExecOptions options) {
        throw new UnsupportedOperationException();
    }

    @Override
    public InetSocketAddress forward(String targetHost, int targetPort) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
    }
}
