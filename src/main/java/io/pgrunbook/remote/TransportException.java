package io.pgrunbook.remote;

/** A host could not be reached or a command could not be started there. The message names the host and the cause. */
public class TransportException extends RuntimeException {
    private final String host;

    public TransportException(String host, String message) {
        super(host + ": " + message);
        this.host = host;
    }

    public TransportException(String host, String message, Throwable cause) {
        super(host + ": " + message, cause);
        this.host = host;
    }

    public String host() {
        return host;
    }
}
