package io.pgrunbook.remote;

import java.net.InetSocketAddress;

/**
 * Runs commands on one host and reaches its TCP ports. One instance per host per pgrunbook command, reused by every
 * step (one SSH connection), closed at the end.
 */
public interface Transport extends AutoCloseable {

    /** Inventory name of the host. */
    String host();

    /** Runs a command, waiting for it to end; stdout and stderr are captured and streamed to the listener. */
    ExecResult exec(RemoteCommand command, ExecOptions options);

    default ExecResult exec(RemoteCommand command) {
        return exec(command, ExecOptions.DEFAULT);
    }

    /**
     * A local address that reaches {@code targetHost:targetPort} as seen from the host: an SSH local port forward,
     * or the target itself for a local transport. Forwards are closed with the transport.
     */
    InetSocketAddress forward(String targetHost, int targetPort);

    /**
     * False when the transport is known to be unusable (its connection closed or lost), so a holder that keeps it
     * across commands opens a new one instead. True does not promise the next command succeeds.
     */
    default boolean alive() {
        return true;
    }

    @Override
    void close();
}
