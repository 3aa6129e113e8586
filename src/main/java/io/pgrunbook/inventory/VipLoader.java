package io.pgrunbook.inventory;

import io.pgrunbook.inventory.YNode.YList;
import io.pgrunbook.inventory.YNode.YMap;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads a cluster's {@code vip:} and the hosts' {@code vip: {interface}}; every error names file, line and column. */
final class VipLoader {
    static final Set<String> CLUSTER_KEYS = Set.of("address", "interface", "follows", "arping", "hosts");
    static final Set<String> HOST_KEYS = Set.of("interface");
    /** Linux interface names: at most 15 characters, no '/', no space; never starting with '-' (it reaches ip's argv). */
    private static final Pattern IFACE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:@-]{0,14}");

    private VipLoader() {
    }

    /** Null when the cluster has no {@code vip}. */
    static Vip load(String cluster, YNode node, YMap hostsMap, List<Host> hosts) {
        Map<String, String> interfaces = new LinkedHashMap<>();
        for (Map.Entry<String, YNode.Entry> he : hostsMap.entries().entrySet()) {
            YNode own = ((YMap) he.getValue().value()).get("vip");
            if (own == null) {
                continue;
            }
            YMap m = InventoryYaml.map(own, "host '" + he.getKey() + "': vip");
            checkKeys(m, HOST_KEYS, "host '" + he.getKey() + "': vip");
            if (m.get("interface") != null) {
                interfaces.put(he.getKey(), iface(m));
            }
        }
        if (node == null) {
            if (!interfaces.isEmpty()) {
                String first = interfaces.keySet().iterator().next();
                throw new InventoryException(((YMap) hostsMap.entries().get(first).value()).keyAt("vip"), "host '" + first
                        + "' has vip.interface but cluster '" + cluster + "' has no vip: add vip: {address: A/PREFIX, interface: IF}");
            }
            return null;
        }
        YMap m = InventoryYaml.map(node, "vip");
        checkKeys(m, CLUSTER_KEYS, "cluster '" + cluster + "': vip");
        YNode a = m.get("address");
        if (a == null || InventoryYaml.scalar(a, "vip.address").text() == null) {
            throw new InventoryException(m.at(), "vip has no 'address': give it with its prefix length, as ip addr takes it (10.1.7.100/24)");
        }
        String text = InventoryYaml.scalar(a, "vip.address").text().trim();
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new InventoryException(a.at(), "vip.address: '" + text + "' has no prefix length; write it as ip addr add"
                    + " takes it, e.g. " + text + "/24");
        }
        String address = text.substring(0, slash);
        boolean v6 = address.indexOf(':') >= 0;
        if (!InventoryYaml.isAddress(address) || !(v6 || address.matches("[0-9.]+"))) {
            throw new InventoryException(a.at(), "vip.address: '" + address + "' is not an IPv4 or IPv6 address");
        }
        int prefix;
        try {
            prefix = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            prefix = -1;
        }
        if (prefix < 1 || prefix > (v6 ? 128 : 32)) {
            throw new InventoryException(a.at(), "vip.address: '" + text.substring(slash + 1) + "' is not a prefix length (1 to "
                    + (v6 ? 128 : 32) + ")");
        }
        for (Host h : hosts) {
            if (h.address().equals(address)) {
                throw new InventoryException(a.at(), "vip.address " + address + " is host '" + h.name() + "''s own address;"
                        + " the VIP must be an address no host has of its own");
            }
        }
        String iface = m.get("interface") == null ? null : iface(m);
        Vip.Follows follows = Vip.Follows.PRIMARY;
        if (m.get("follows") != null) {
            String f = InventoryYaml.scalar(m.get("follows"), "vip.follows").text();
            try {
                follows = Vip.Follows.valueOf(String.valueOf(f).toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InventoryException(m.get("follows").at(), "vip.follows: '" + f + "' is neither primary nor pgbouncer");
            }
        }
        boolean arping = true;
        if (m.get("arping") != null) {
            Object v = InventoryYaml.scalar(m.get("arping"), "vip.arping").value();
            if (!(v instanceof Boolean b)) {
                throw new InventoryException(m.get("arping").at(), "vip.arping: '" + v + "' is not true or false");
            }
            arping = b;
        }
        List<String> names = new ArrayList<>();
        if (m.get("hosts") != null) {
            YList l = InventoryYaml.list(m.get("hosts"), "vip.hosts");
            for (YNode item : l.items()) {
                String n = InventoryYaml.scalar(item, "vip.hosts").text();
                if (hosts.stream().noneMatch(h -> h.name().equals(n))) {
                    throw new InventoryException(item.at(), "vip.hosts: '" + n + "' is not a host of cluster '" + cluster + "'");
                }
                names.add(n);
            }
        }
        Vip vip = new Vip(address, prefix, iface, follows, arping, List.copyOf(names), Map.copyOf(interfaces), m.at());
        Cluster probe = new Cluster(cluster, hosts, Cluster.Smoke.DEFAULT, Cluster.Hooks.NONE, List.of(), null, m.at());
        List<Host> candidates = vip.candidates(probe);
        if (candidates.isEmpty()) {
            throw new InventoryException(m.at(), "vip: no host may hold it (follows: " + follows.name().toLowerCase(Locale.ROOT)
                    + (follows == Vip.Follows.PGBOUNCER ? ", and no host runs a PgBouncer" : "") + ")");
        }
        for (Host h : candidates) {
            if (vip.interfaceOf(h) == null) {
                throw new InventoryException(m.at(), "vip has no 'interface' and host '" + h.name() + "' names none of its own:"
                        + " add interface: IF here, or vip: {interface: IF} on the host");
            }
            if (follows == Vip.Follows.PGBOUNCER && !h.hasPgBouncer()) {
                throw new InventoryException(m.at(), "vip follows pgbouncer but host '" + h.name() + "' in vip.hosts runs none");
            }
        }
        return vip;
    }

    private static String iface(YMap m) {
        YNode n = m.get("interface");
        String v = InventoryYaml.scalar(n, "vip.interface").text();
        if (v == null || !IFACE.matcher(v).matches()) {
            throw new InventoryException(n.at(), "vip.interface: '" + v + "' is not a network interface name"
                    + " (at most 15 letters, digits, '_', '.', '-', ':' or '@')");
        }
        return v;
    }

    private static void checkKeys(YMap m, Set<String> allowed, String where) {
        for (Map.Entry<String, YNode.Entry> e : m.entries().entrySet()) {
            if (!allowed.contains(e.getKey())) {
                throw new InventoryException(e.getValue().keyAt(), "unknown key '" + e.getKey() + "' in " + where
                        + Schema.didYouMean(e.getKey(), allowed));
            }
        }
    }
}
