package io.pgrunbook.shell;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Transport;
import io.pgrunbook.remote.TransportException;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The shell's transports, one per host, kept open from one command to the next: a second {@code status} skips the SSH
 * handshakes (and the tunnels' setup) of the first. Each command gets a {@link #lease} per host, which the command's
 * {@code Connections} closes at its end without closing the transport; {@link #close} at the shell's exit closes them.
 * <p>
 * A transport kept open must not hide a dead host. A lease checks the kept transport before its first use (a closed
 * or lost SSH connection is replaced); and when the first call of a command on a kept transport fails, the transport
 * is dropped and the call is made once more on a new one: a connection that went stale between two commands fails
 * like that, and the retry answers as a fresh command would (a host that is really down fails the retry too, and the
 * command reports it). A failure later in the command is not retried: the command on the host may have run.
 */
public final class SharedTransports implements AutoCloseable {
    private final Function<Host, Transport> opener;
    private final Map<String, Transport> warm = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public SharedTransports(Function<Host, Transport> opener) {
        this.opener = opener;
    }

    /** A transport to the host for one command; closing it keeps the connection for the next. */
    public Transport lease(Host host) {
        if (closed) {
            throw new TransportException(host.name(), "the shell is closing");
        }
        return new Lease(host);
    }

    /** How many hosts have a transport kept open. */
    public int open() {
        return warm.size();
    }

    /** Closes the transports (end of the shell, or {@code reload}). */
    @Override
    public void close() {
        closed = true;
        closeAll();
    }

    /** Closes every kept transport; the next command connects afresh. */
    public void closeAll() {
        warm.values().forEach(SharedTransports::closeQuietly);
        warm.clear();
    }

    private synchronized Transport kept(Host host, boolean[] reused) {
        Transport t = warm.get(host.name());
        if (t != null && !t.alive()) {
            warm.remove(host.name());
            closeQuietly(t);
            t = null;
        }
        if (t != null) {
            reused[0] = true;
            return t;
        }
        reused[0] = false;
        Transport fresh = opener.apply(host);
        warm.put(host.name(), fresh);
        return fresh;
    }

    private synchronized void drop(Host host, Transport t) {
        warm.remove(host.name(), t);
        closeQuietly(t);
    }

    private static void closeQuietly(Transport t) {
        try {
            t.close();
        } catch (RuntimeException ignored) {
            // a dead connection may fail to close; it is forgotten either way
        }
    }

    /** One command's use of a host's kept transport. */
    private final class Lease implements Transport {
        private final Host host;
        private Transport current;
        private boolean mayRetry;

        Lease(Host host) {
            this.host = host;
        }

        private synchronized Transport current() {
            if (current == null) {
                boolean[] reused = new boolean[1];
                current = kept(host, reused);
                mayRetry = reused[0];
            }
            return current;
        }

        private <T> T call(Function<Transport, T> op) {
            Transport t = current();
            try {
                T r = op.apply(t);
                mayRetry = false;
                return r;
            } catch (TransportException e) {
                boolean retry;
                synchronized (this) {
                    retry = mayRetry && current == t;
                    mayRetry = false;
                    if (retry) {
                        drop(host, t);
                        current = null;
                    }
                }
                if (!retry) {
                    throw e;
                }
                Transport again = current();
                synchronized (this) {
                    mayRetry = false;
                }
                return op.apply(again);
            }
        }

        @Override
        public String host() {
            return host.name();
        }

        @Override
        public ExecResult exec(RemoteCommand command, ExecOptions options) {
            return call(t -> t.exec(command, options));
        }

        @Override
        public InetSocketAddress forward(String targetHost, int targetPort) {
            return call(t -> t.forward(targetHost, targetPort));
        }

        @Override
        public boolean alive() {
            Transport t = current;
            return t == null || t.alive();
        }

        @Override
        public void close() {
            // kept for the next command: the shell closes it at exit
        }
    }
}
