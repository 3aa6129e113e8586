package io.pgrunbook.remote;

import io.pgrunbook.inventory.Host;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The transports of one pgrunbook command: one per host, opened on first use, reused by every probe and step,
 * closed together at the end.
 */
public final class Connections implements AutoCloseable {
    private final Function<Host, Transport> factory;
    private final Map<String, Transport> open = new ConcurrentHashMap<>();
    private final java.util.List<AutoCloseable> attached = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<String, SlowFailure> slowFailures = new ConcurrentHashMap<>();
    private final Map<String, Object> opening = new ConcurrentHashMap<>();
    private final java.util.function.LongSupplier clock;

    /**
     * A way to a host (its SSH login, its PostgreSQL port) that failed after at least {@link #SLOW} of waiting: a
     * machine that is powered off or cut off answers nothing, and every later step that tries it again (the fence,
     * its verification, the promotion's re-check, the old primary's PgBouncer) would wait its whole connect timeout
     * once more. Within {@link #REMEMBER} of such a failure the same command fails at once with the same cause;
     * after that it tries again (a host that comes back is seen). A refusal is not remembered: it costs nothing.
     */
    static final java.time.Duration SLOW = java.time.Duration.ofSeconds(1);
    static final java.time.Duration REMEMBER = java.time.Duration.ofSeconds(30);

    private record SlowFailure(String message, long atNanos, long waitedMillis) {
    }

    public Connections(Function<Host, Transport> factory) {
        this(factory, System::nanoTime);
    }

    Connections(Function<Host, Transport> factory, java.util.function.LongSupplier clock) {
        this.factory = factory;
        this.clock = clock;
    }

    /** The default factory: SSH or local by the host's {@code transport}. */
    public static Connections standard() {
        return new Connections(TransportFactory::open);
    }

    public Transport to(Host host) {
        Transport t = open.get(host.name());
        if (t != null) {
            return t;
        }
        // one attempt at a time per host: a probe's SQL and PgBouncer reads ask for the same host at once, and the
        // second must see the first's result (its transport, or its remembered failure), not wait its own timeout
        synchronized (opening.computeIfAbsent(host.name(), n -> new Object())) {
            t = open.get(host.name());
            if (t != null) {
                return t;
            }
            String way = host.name() + " ssh";
            failFastIfRecent(host.name(), way);
            long start = clock.getAsLong();
            try {
                t = factory.apply(host);
            } catch (HostKeyException e) {
                throw e;
            } catch (TransportException e) {
                rememberIfSlow(way, e.getMessage(), start);
                throw e;
            }
            open.put(host.name(), t);
            return t;
        }
    }

    /**
     * Throws at once when {@code way} to {@code host} failed slowly within the last {@link #REMEMBER} of this command
     * (see {@link #SLOW}); {@code way} names it ("db1 ssh", "db1 postgres 10.0.0.1:5432").
     */
    public void failFastIfRecent(String host, String way) {
        SlowFailure f = slowFailures.get(way);
        if (f == null) {
            return;
        }
        long agoNanos = clock.getAsLong() - f.atNanos();
        long ago = agoNanos / 1_000_000;
        if (agoNanos > REMEMBER.toNanos()) {
            slowFailures.remove(way, f);
            return;
        }
        String message = f.message().startsWith(host + ": ") ? f.message().substring(host.length() + 2) : f.message();
        throw new TransportException(host, message + " (" + ago / 1000 + " s ago, after " + f.waitedMillis() / 1000
                + " s of waiting; not tried again for " + REMEMBER.toSeconds() + " s in this command)");
    }

    /** Records a failure of {@code way} that took at least {@link #SLOW} since {@code startNanos} (System.nanoTime). */
    public void rememberIfSlow(String way, String message, long startNanos) {
        long now = clock.getAsLong();
        long waited = (now - startNanos) / 1_000_000;
        if (waited >= SLOW.toMillis()) {
            slowFailures.put(way, new SlowFailure(message, now, waited));
        }
    }


    /** Drops (and closes) a host's transport, e.g. after it failed, so the next use reconnects. */
    public void forget(Host host) {
        Transport t = open.remove(host.name());
        if (t != null) {
            t.close();
        }
    }

    /**
     * Ties a resource that lives on these transports (the command's SQL sessions, which may run through SSH tunnels)
     * to this command: it is closed first, before the transports.
     */
    public <T extends AutoCloseable> T attach(T resource) {
        attached.add(resource);
        return resource;
    }

    @Override
    public void close() {
        attached.forEach(r -> {
            try {
                r.close();
            } catch (Exception ignored) {
                // best effort, as for the transports
            }
        });
        attached.clear();
        open.values().forEach(t -> {
            try {
                t.close();
            } catch (RuntimeException ignored) {
                // closing is best effort: the command's result is already decided
            }
        });
        open.clear();
    }
}
