package io.pgrunbook.lab;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/** Waiting for the lab's servers to come up, with the last error in the message when they do not. */
final class LabWait {
    private LabWait() {
    }

    static String oneLine(String s) {
        return s.strip().replace('\n', ' ').replaceAll("\\s+", " ");
    }

    interface Check {
        boolean test();
    }

    static void waitUntil(String what, Duration timeout, Check check) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        while (true) {
            try {
                if (check.test()) {
                    return;
                }
            } catch (PgrunbookException e) {
                last = e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                throw new PgrunbookException(Outcome.FAILED, "timed out after " + timeout.toSeconds() + "s waiting for "
                        + what + (last != null ? " (last error: " + last + ")" : ""));
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PgrunbookException(Outcome.ABORTED, "interrupted while waiting for " + what);
            }
        }
    }

    static boolean listening(String address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
