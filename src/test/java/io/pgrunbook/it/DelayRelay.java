package io.pgrunbook.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A slow network link on loopback: a TCP relay that forwards every byte from upstream (a primary) to the client (a
 * standby's walreceiver) {@code delay} late, and the client's bytes upstream at once. {@link #cut()} breaks the link
 * as a network would: open connections are closed and whatever is still on the way is lost; new connections are
 * dropped until {@link #heal()}.
 */
final class DelayRelay implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final long delayNanos;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean down;
    private volatile boolean closed;

    private record Chunk(byte[] bytes, long dueNanos) {
    }

    /** The end of a stream in the queue: the client's side is closed only after what came before it was delivered. */
    private static final Chunk EOF = new Chunk(new byte[0], 0);

    DelayRelay(String address, int port, String upstreamAddress, int upstreamPort, Duration delay) {
        try {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getByName(address), port));
        } catch (IOException e) {
            throw new UncheckedIOException("relay cannot listen on " + address + ":" + port, e);
        }
        this.upstream = new InetSocketAddress(upstreamAddress, upstreamPort);
        this.delayNanos = delay.toNanos();
        Thread accept = new Thread(this::acceptLoop, "relay-accept-" + port);
        accept.setDaemon(true);
        accept.start();
    }

    /** Bytes delivered to clients so far. */
    long delivered() {
        return delivered.get();
    }

    /** Bytes that were on the way when the link was cut, and never arrived. */
    long dropped() {
        return dropped.get();
    }

    /** Breaks the link: every open connection is closed, bytes still on the way are lost, new connections are dropped. */
    void cut() {
        down = true;
        for (Socket s : open) {
            closeQuietly(s);
        }
    }

    /** New connections are relayed again. */
    void heal() {
        down = false;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (down) {
                closeQuietly(client);
                continue;
            }
            Socket up = new Socket();
            try {
                up.connect(upstream, 5_000);
                client.setTcpNoDelay(true);
                up.setTcpNoDelay(true);
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(up);
                continue;
            }
            open.add(client);
            open.add(up);
            BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
            start("relay-up-read", () -> readUpstream(up, queue, client));
            start("relay-deliver", () -> deliver(queue, client, up));
            start("relay-client", () -> pump(client, up));
        }
    }

    private static void start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    private void readUpstream(Socket up, BlockingQueue<Chunk> queue, Socket client) {
        byte[] buf = new byte[65536];
        try (InputStream in = up.getInputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                queue.add(new Chunk(Arrays.copyOf(buf, n), System.nanoTime() + delayNanos));
            }
        } catch (IOException e) {
            // cut or closed: the delivering side sees the sockets closed too
        }
        queue.add(EOF);
    }

    private void deliver(BlockingQueue<Chunk> queue, Socket client, Socket up) {
        Chunk c = null;
        try (OutputStream out = client.getOutputStream()) {
            while (true) {
                c = queue.poll(1, TimeUnit.SECONDS);
                if (c == null) {
                    if (client.isClosed()) {
                        return;
                    }
                    continue;
                }
                if (c == EOF) {
                    return;
                }
                long wait = c.dueNanos() - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                out.write(c.bytes());
                out.flush();
                delivered.addAndGet(c.bytes().length);
                c = null;
            }
        } catch (IOException | InterruptedException e) {
            if (c != null) {
                dropped.addAndGet(c.bytes().length);
            }
            queue.stream().filter(q -> q != EOF).forEach(q -> dropped.addAndGet(q.bytes().length));
        } finally {
            closeQuietly(client);
            closeQuietly(up);
            open.remove(client);
            open.remove(up);
        }
    }

    private static void pump(Socket from, Socket to) {
        byte[] buf = new byte[65536];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // cut or closed
        }
        closeQuietly(to);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        cut();
        try {
            server.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
