package io.pgrunbook.remote;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs a command that lasts until the operator stops it ({@code logs -f}) so that its child does not outlive the JVM.
 * The transports start children in a session of their own ({@link OwnSession}), so Ctrl-C no longer kills them
 * directly, and a JVM ending on a signal does not kill its children: {@code tail -F} (or the ssh that runs it) would
 * stay behind until the log's next line. At exit, this interrupts the waiting thread, whose transport then kills the
 * child as a cancelled command, and lets the JVM go once that is done (at most 5 s).
 */
public final class UntilExit {
    private UntilExit() {
    }

    public static <T> T run(Supplier<T> body) {
        Thread caller = Thread.currentThread();
        CountDownLatch done = new CountDownLatch(1);
        Thread onExit = new Thread(() -> {
            caller.interrupt();
            try {
                done.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "pgrunbook-stop-child");
        Runtime.getRuntime().addShutdownHook(onExit);
        try {
            return body.get();
        } finally {
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(onExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it has what it waits for
            }
        }
    }
}
