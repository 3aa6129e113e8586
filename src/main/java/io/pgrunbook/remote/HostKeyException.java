package io.pgrunbook.remote;

/** The host key of a server is unknown or changed: the command stops and says how to trust it. Exit code 3. */
public class HostKeyException extends TransportException {
    public HostKeyException(String host, String message) {
        super(host, message);
    }
}
