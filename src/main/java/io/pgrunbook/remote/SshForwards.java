package io.pgrunbook.remote;

import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.direct.DirectConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static io.pgrunbook.remote.SshSupport.closeQuietly;

/** Local ports forwarded over one SSH connection to addresses the host can reach (PostgreSQL, PgBouncer). */
final class SshForwards {
    private static final Logger LOG = LoggerFactory.getLogger("io.pgrunbook.remote");

    private final String host;
    private final SSHClient client;
    private final Map<String, Forward> forwards = new ConcurrentHashMap<>();
    private volatile boolean closed;

    SshForwards(String host, SSHClient client) {
        this.host = host;
        this.client = client;
    }

    private record Forward(ServerSocket socket, Thread thread) {
    }

    InetSocketAddress forward(String targetHost, int targetPort) {
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
            LoopbackListener l = LoopbackListener.open("ssh-forward-" + host + "-" + targetHost + ":" + targetPort,
                    () -> closed, s -> serve(s, targetHost, targetPort));
            ServerSocket ss = l.socket();
            Thread t = l.acceptor();
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

    void close() {
        closed = true;
        for (Forward f : forwards.values()) {
            closeQuietly(f.socket);
        }
        forwards.clear();
    }
}
