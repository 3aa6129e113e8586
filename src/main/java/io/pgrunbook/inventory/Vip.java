package io.pgrunbook.inventory;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A cluster's virtual IP: the address clients connect to, held by exactly one host at a time, moved with
 * {@code ip addr del/add} and announced with gratuitous ARP.
 *
 * @param address    the address without its prefix length (10.1.7.100)
 * @param prefix     the prefix length it is added with (24: {@code ip addr add 10.1.7.100/24})
 * @param iface      the interface it goes on, unless a host names its own ({@code interfaces})
 * @param follows    whom it follows: the primary, or the PgBouncer that leads to it
 * @param arping     whether to send gratuitous ARP after adding it
 * @param hosts      the hosts that may hold it (empty: see {@link #candidates})
 * @param interfaces per-host interfaces, by host name
 * @param location   where the inventory says {@code vip:}
 */
public record Vip(String address, int prefix, String iface, Follows follows, boolean arping, List<String> hosts,
                  Map<String, String> interfaces, SourceLocation location) {

    /** How many gratuitous ARP packets are sent: enough for one to survive a lossy switch port. */
    public static final int ARPING_COUNT = 3;

    /** Whom the VIP follows. */
    public enum Follows {
        /** The live primary's own host. */
        PRIMARY,
        /** The host of the PgBouncer that clients reach: the primary's own when it runs one, else the first one. */
        PGBOUNCER
    }

    /** The address as {@code ip addr} takes it: 10.1.7.100/24. */
    public String cidr() {
        return address + "/" + prefix;
    }

    public String interfaceOf(Host h) {
        return interfaces.getOrDefault(h.name(), iface);
    }

    /**
     * The hosts that may hold it: {@code hosts} when given, else MASTER, SLAVE and BCP (follows: primary) or every
     * PgBouncer host (follows: pgbouncer).
     */
    public List<Host> candidates(Cluster c) {
        if (!hosts.isEmpty()) {
            return c.hosts().stream().filter(h -> hosts.contains(h.name())).toList();
        }
        return follows == Follows.PRIMARY ? c.hosts().stream().filter(h -> h.role().isPhysical()).toList() : c.pgbouncers();
    }

    /** Where it belongs when {@code primary} is the live primary; empty when no candidate fits. */
    public Optional<Host> holderFor(Cluster c, Host primary) {
        List<Host> cands = candidates(c);
        if (follows == Follows.PRIMARY) {
            return cands.stream().filter(h -> h.name().equals(primary.name())).findFirst();
        }
        return cands.stream().filter(h -> h.name().equals(primary.name()) && h.hasPgBouncer()).findFirst()
                .or(() -> cands.stream().filter(Host::hasPgBouncer).findFirst());
    }
}
