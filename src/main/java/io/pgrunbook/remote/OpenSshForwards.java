package io.pgrunbook.remote;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static io.pgrunbook.remote.SshSupport.closeQuietly;

/**
 * Tunnels for the OpenSSH transport: a local port on 127.0.0.1 chosen by the kernel (no port to race for), each
 * accepted connection bridged to an {@code ssh -W target:port} through the host's master, so a new tunnelled
 * connection costs a process and a channel, not a handshake. Everything ends with the transport: no forward is left
 * on the master for others to use.
 */
final class OpenSshForwards {
    private static final Logger LOG = LoggerFactory.getLogger("io.pgrunbook.remote");

    private final String host;
    private final OpenSshOptions options;
    private final Map<String, ServerSocket> listeners = new ConcurrentHashMap<>();
    private final Set<Process> bridges = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    OpenSshForwards(String host, OpenSshOptions options) {
        this.host = host;
        this.options = options;
    }

    InetSocketAddress forward(String targetHost, int targetPort) {
        ServerSocket ss = listeners.computeIfAbsent(targetHost + ":" + targetPort, k -> listen(targetHost, targetPort));
        return new InetSocketAddress(ss.getInetAddress(), ss.getLocalPort());
    }

    private ServerSocket listen(String targetHost, int targetPort) {
        try {
            ServerSocket ss = LoopbackListener.open("openssh-forward-" + host + "-" + targetHost + ":" + targetPort,
                    () -> closed, s -> bridge(s, targetHost, targetPort)).socket();
            LOG.debug("{}: forwarding 127.0.0.1:{} to {}:{} on the host (ssh -W)", host, ss.getLocalPort(), targetHost, targetPort);
            return ss;
        } catch (IOException e) {
            throw new TransportException(host, "cannot open a local port forward to " + targetHost + ":" + targetPort
                    + ": " + e.getMessage(), e);
        }
    }

    /** One connection: an ssh -W whose stdin and stdout are the socket's two directions; either end closes both. */
    private void bridge(Socket s, String targetHost, int targetPort) {
        Process p;
        try {
            s.setTcpNoDelay(true);
            p = OpenSshTransport.start(options.stdioForward(targetHost, targetPort), host);
        } catch (IOException | RuntimeException e) {
            LOG.debug("{}: forward to {}:{} not started: {}", host, targetHost, targetPort, e.toString());
            closeQuietly(s);
            return;
        }
        bridges.add(p);
        Thread errors = new Thread(() -> {
            try (InputStream err = p.getErrorStream()) {
                String text = new String(err.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
                if (!text.isEmpty()) {
                    // e.g. "channel 0: open failed: connect failed: Connection refused": a stopped server, as SSHJ's refusal
                    LOG.debug("{}: forward to {}:{}: {}", host, targetHost, targetPort, text);
                }
            } catch (IOException ignored) {
                // ended with the process
            }
        }, "openssh-forward-err");
        errors.setDaemon(true);
        errors.start();
        Thread up = new Thread(() -> {
            try (OutputStream toSsh = p.getOutputStream()) {
                pump(s.getInputStream(), toSsh);
            } catch (IOException ignored) {
                // the other side ended
            } finally {
                closeQuietly(s);
            }
        }, "openssh-forward-up");
        up.setDaemon(true);
        up.start();
        try {
            pump(p.getInputStream(), s.getOutputStream());
        } catch (IOException ignored) {
            // the other side ended
        } finally {
            closeQuietly(s);
            p.destroy();
            bridges.remove(p);
        }
    }

    private static void pump(InputStream in, OutputStream out) throws IOException {
        byte[] buf = new byte[16384];
        int n;
        while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
            out.flush();
        }
    }

    void close() {
        closed = true;
        listeners.values().forEach(SshSupport::closeQuietly);
        listeners.clear();
        bridges.forEach(Process::destroy);
        bridges.clear();
    }
}
