package io.pgrunbook.runbook;

/**
 * Where a run's signal handler goes. A one-shot command registers it as a JVM shutdown hook (Ctrl-C ends the JVM
 * after the run has stopped at a clean point and undone what was open). Inside {@code pgrunbook shell} Ctrl-C must
 * stop the run and leave the shell alive: the shell routes the handler to itself for the thread that runs the command.
 * Scoped to that thread (inherited by threads it starts) so a run elsewhere in the JVM keeps the shutdown hook.
 */
public final class InterruptRoute {
    /** Receives a run's handler while the run lasts. */
    public interface Target {
        void register(Thread onSignal);

        void unregister(Thread onSignal);
    }

    private static final InheritableThreadLocal<Target> ROUTE = new InheritableThreadLocal<>();

    private InterruptRoute() {
    }

    /** Routes the handlers of runs started on this thread (and threads it starts) to {@code target}; null: the JVM's. */
    public static void set(Target target) {
        if (target == null) {
            ROUTE.remove();
        } else {
            ROUTE.set(target);
        }
    }

    static void register(Thread onSignal) {
        Target t = ROUTE.get();
        if (t != null) {
            t.register(onSignal);
        } else {
            Runtime.getRuntime().addShutdownHook(onSignal);
        }
    }

    static void unregister(Thread onSignal) {
        Target t = ROUTE.get();
        if (t != null) {
            t.unregister(onSignal);
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(onSignal);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }
}
