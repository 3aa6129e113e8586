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

    public Connections(Function<Host, Transport> factory) {
        this.factory = factory;
    }

    /** The default factory: SSH or local by the host's {@code transport}. */
    public static Connections standard() {
        return new Connections(TransportFactory::open);
    }

    public Transport to(Host host) {
        return open.computeIfAbsent(host.name(), n -> factory.apply(host));
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
