package io.pgrunbook.runbook;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A stop asked from outside the run (a signal, a lost terminal) and the run's end as a signal handler waits for it: the
 * executor looks at {@link #reason} at its clean points; the runner thread is interrupted only while the step in flight
 * may be cancelled (never a promotion).
 */
final class StopControl {
    /** Why the run must stop at the next clean point (a signal); null while it may go on. */
    private final AtomicReference<String> stopRequested = new AtomicReference<>();
    /** The thread running the steps, interrupted by {@link #request} when the step in flight may be cancelled. */
    private volatile Thread runner;
    private volatile boolean cancellable = true;
    private final CountDownLatch ended = new CountDownLatch(1);

    /** Records the first stop asked for, and interrupts the runner when the step in flight may be cancelled. */
    synchronized void request(String why, boolean finished) {
        if (finished || !stopRequested.compareAndSet(null, why)) {
            return;
        }
        Thread t = runner;
        if (t != null && cancellable) {
            t.interrupt();
        }
    }

    /** Why the run must stop; null while it may go on. */
    String reason() {
        return stopRequested.get();
    }

    void runner(Thread t) {
        runner = t;
    }

    /** Synchronized with {@link #request}: once this says no, no interrupt of the runner can follow from a stop. */
    synchronized void cancellable(boolean may) {
        cancellable = may;
    }

    boolean uncancellable() {
        return !cancellable;
    }

    boolean awaitEnd(Duration limit) {
        try {
            return ended.await(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    void markEnded() {
        ended.countDown();
    }
}
