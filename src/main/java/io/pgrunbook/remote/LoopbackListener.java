package io.pgrunbook.remote;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The local end of a port forward: a port on the loopback interface chosen by the kernel (no race for a free one),
 * an accept loop, and each connection handed to {@code serve} on a thread of its own, so one connection whose far end
 * cannot be reached (a server stopped in the middle of a switchover) never stops the next from being served. Both
 * transports forward through it: SSHJ with a direct-tcpip channel per connection, OpenSSH with an {@code ssh -W}.
 */
record LoopbackListener(ServerSocket socket, Thread acceptor) {

    static LoopbackListener open(String threadName, BooleanSupplier closed, Consumer<Socket> serve) throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread t = new Thread(() -> {
            while (!closed.getAsBoolean() && !ss.isClosed()) {
                Socket s;
                try {
                    s = ss.accept();
                } catch (IOException e) {
                    break;
                }
                Thread conn = new Thread(() -> serve.accept(s), threadName + "-conn");
                conn.setDaemon(true);
                conn.start();
            }
        }, threadName);
        t.setDaemon(true);
        t.start();
        return new LoopbackListener(ss, t);
    }
}
