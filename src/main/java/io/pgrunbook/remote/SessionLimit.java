package io.pgrunbook.remote;

import java.time.Duration;

/**
 * How many sessions one SSH connection may have open at once, learnt from the server.
 * <p>
 * sshd refuses a session channel past its MaxSessions (10 by default, fewer on hardened hosts) with "open failed"
 * (reason CONNECT_FAILED),
 * and it counts a session it has been told to close until its main loop has freed it: a new session asked for at
 * that moment is refused too. So a refused open is not an error of the command: the caller gives its slot back,
 * the limit comes down to what the server had open ({@link #refused()}), and the command waits for a slot and asks
 * again, for a while ({@link #RETRY_FOR}). Only a server that refuses even a lone session past that wait fails it.
 */
final class SessionLimit {
    /** How long a command asks again for a session the server keeps refusing while nothing else is open. */
    static final Duration RETRY_FOR = Duration.ofSeconds(5);

    private int limit;
    private int inUse;
    private int open;

    SessionLimit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit " + limit);
        }
        this.limit = limit;
    }

    /** Waits for a slot. */
    synchronized void acquire() throws InterruptedException {
        while (inUse >= limit) {
            wait();
        }
        inUse++;
    }

    /** The slot's session is open on the server. */
    synchronized void opened() {
        open++;
    }

    /**
     * The server refused the slot's session; the slot is given back. The limit comes down to the sessions open
     * now, so the others wait for one of those to end instead of being refused in turn; with none open the refusal
     * was sshd still freeing closed ones, and the limit stays.
     *
     * @return the sessions open on this connection when it was refused
     */
    synchronized int refused() {
        int openNow = open;
        if (openNow > 0) {
            limit = Math.min(limit, openNow);
        }
        inUse--;
        notifyAll();
        return openNow;
    }

    /**
     * The slot's command was refused a session on the shared connection and ran on one of its own (OpenSSH's
     * multiplexing client falls back so): the other sessions open then are what the server allows.
     */
    synchronized void ranBeside() {
        int others = open - 1;
        if (others > 0) {
            limit = Math.min(limit, others);
        }
    }

    /** The slot is given back; {@code wasOpen}: its session had been opened (and is now closed). */
    synchronized void release(boolean wasOpen) {
        if (wasOpen) {
            open--;
        }
        inUse--;
        notifyAll();
    }

    synchronized int limit() {
        return limit;
    }

    /** The pause before the {@code attempt}-th new ask (0 first): 5 ms, doubling, at most 200 ms (sshd frees a closed session within its next loop). */
    static long backoffMillis(int attempt) {
        return Math.min(200, 5L << Math.min(attempt, 6));
    }
}
