package io.pgrunbook.inventory;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A cluster: its hosts in inventory order, and its site settings. {@code drill}: the inventory marks it as a target
 * for {@code pgrunbook drill} (a lab or a staging cluster), whose destructive parts are refused anywhere else.
 * {@code barman} is null without a Barman server, {@code vip} without a virtual IP.
 */
public record Cluster(String name, List<Host> hosts, Smoke smoke, Hooks hooks, List<Contact> contacts,
                      Settings settings, SourceLocation location, boolean drill, BarmanSettings barman, Vip vip,
                      List<Pgpool> pgpools) {

    public Cluster {
        pgpools = pgpools == null ? List.of() : List.copyOf(pgpools);
    }

    /** The shape before {@code drill:}, {@code barman:}, {@code vip:} and {@code pgpool:} existed. */
    public Cluster(String name, List<Host> hosts, Smoke smoke, Hooks hooks, List<Contact> contacts,
                   Settings settings, SourceLocation location) {
        this(name, hosts, smoke, hooks, contacts, settings, location, false, null, null, List.of());
    }

    /** Whether the inventory names a Barman server for this cluster. */
    public boolean hasBarman() {
        return barman != null;
    }

    /** Smoke-test settings: the database for probe rows, and site scripts to run. */
    public record Smoke(String database, List<SmokeScript> scripts) {
        public static final Smoke DEFAULT = new Smoke("postgres", List.of());
    }

    public record SmokeScript(String name, String run, String on, String as) {
    }

    /** Hook commands: {@code event} gets {event} {cluster} {host} {status}; {@code fence} gets {host} {address}. */
    public record Hooks(String event, String fence) {
        public static final Hooks NONE = new Hooks(null, null);
    }

    public record Contact(String name, String phone, String email) {
    }

    public Optional<Host> host(String name) {
        return hosts.stream().filter(h -> h.name().equals(name)).findFirst();
    }

    public Optional<Host> master() {
        return hosts.stream().filter(h -> h.role() == Role.MASTER).findFirst();
    }

    public List<Host> withRole(Role role) {
        return hosts.stream().filter(h -> h.role() == role).toList();
    }

    public List<Host> pgbouncers() {
        return hosts.stream().filter(Host::hasPgBouncer).toList();
    }

    /** Host whose address (or postgres host) is the given address, for mapping upstreams and PgBouncer targets. */
    public Optional<Host> byAddress(String address) {
        if (address == null) {
            return Optional.empty();
        }
        return hosts.stream().filter(h -> address.equals(h.address()) || address.equals(h.postgres().host())
                || address.equals(h.name())).findFirst();
    }

    public Map<String, Host> byName() {
        java.util.LinkedHashMap<String, Host> m = new java.util.LinkedHashMap<>();
        hosts.forEach(h -> m.put(h.name(), h));
        return m;
    }

    /** The REPLICAs fed by Londiste ({@code replication.kind: londiste}). */
    public List<Host> londisteReplicas() {
        return hosts.stream().filter(h -> h.role() == Role.REPLICA && h.replication() != null && h.replication().isLondiste())
                .toList();
    }
}
