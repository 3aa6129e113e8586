package io.pgrunbook.lab;

import java.nio.file.Path;
import java.util.List;

/**
 * An sshd for the lab, on loopback only, with its own host key, a throwaway client key authorized for one login
 * user, and a known_hosts file for the client. PLACEHOLDER: being written.
 */
public final class LabSshd implements AutoCloseable {
    private final Path dir;
    private final List<String> addresses;
    private final int port;

    private LabSshd(Path dir, List<String> addresses, int port) {
        this.dir = dir;
        this.addresses = addresses;
        this.port = port;
    }

    /** Generates keys under {@code dir} (once), writes sshd_config, starts sshd listening on each address:port. */
    public static LabSshd start(Path dir, List<String> listenAddresses, int port, String loginUser) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** Stops an sshd started earlier in {@code dir} (by its pid file); quiet when none runs. */
    public static void stop(Path dir) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    public Path clientKey() {
        return dir.resolve("id_ed25519");
    }

    public Path knownHosts() {
        return dir.resolve("known_hosts");
    }

    public int port() {
        return port;
    }

    public List<String> addresses() {
        return addresses;
    }

    @Override
    public void close() {
        stop(dir);
    }
}
