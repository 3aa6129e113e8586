package io.pgrunbook.remote;

import io.pgrunbook.inventory.Host;

/** Opens the transport an inventory host asks for. */
public final class TransportFactory {
    private TransportFactory() {
    }

    public static Transport open(Host host) {
        return switch (host.transport()) {
            case LOCAL -> new LocalTransport(host.name());
            case SSH -> SshTransport.connect(host);
            case OPENSSH -> OpenSshTransport.connect(host);
        };
    }
}
