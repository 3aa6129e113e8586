package io.pgrunbook.inventory;

import io.pgrunbook.inventory.YNode.YMap;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The cluster's {@code pgpool} list: checked against the cluster's hosts, every error located. */
final class PgpoolLoader {
    static final Set<String> KEYS = Set.of("host", "address", "port", "pcp_port", "pcp_user", "node_ids", "pcppass_file");

    private PgpoolLoader() {
    }

    static List<Pgpool> load(YNode n, List<Host> hosts, String cluster) {
        if (n == null) {
            return List.of();
        }
        // one pgpool may be written as a mapping; several (a watchdog pair) as a list
        List<YNode> items = n instanceof YNode.YList l ? l.items() : List.of(n);
        List<Pgpool> out = new ArrayList<>();
        Map<String, SourceLocation> seen = new HashMap<>();
        for (YNode item : items) {
            YMap m = InventoryYaml.map(item, "pgpool");
            m.entries().forEach((k, e) -> {
                if (!KEYS.contains(k)) {
                    throw new InventoryException(e.keyAt(), "unknown key '" + k + "' in pgpool" + Schema.didYouMean(k, KEYS));
                }
            });
            String hostName = text(m, "host");
            Host host = null;
            if (hostName != null) {
                host = hosts.stream().filter(h -> h.name().equals(hostName)).findFirst().orElseThrow(() -> new InventoryException(
                        m.get("host").at(), "pgpool.host '" + hostName + "' is not a host of cluster '" + cluster + "'"
                        + " (hosts: " + String.join(", ", hosts.stream().map(Host::name).toList()) + ");"
                        + " for a pgpool outside the inventory give its 'address' instead"));
            }
            String address = text(m, "address");
            if (address != null) {
                InventoryYaml.checkAddress(address, m.get("address").at(), "pgpool.address");
            } else if (host != null) {
                address = host.address();
            } else {
                throw new InventoryException(m.at(), "pgpool needs 'host' (a host of cluster '" + cluster
                        + "' it runs on) or 'address' (where it listens)");
            }
            int port = port(m, "port", Pgpool.DEFAULT_PORT);
            int pcpPort = port(m, "pcp_port", Pgpool.DEFAULT_PCP_PORT);
            String key = address + ":" + port;
            if (seen.containsKey(key)) {
                throw new InventoryException(m.at(), "pgpool " + key + " is listed twice (first at line " + seen.get(key).line() + ")");
            }
            seen.put(key, m.at());
            String user = text(m, "pcp_user");
            if (user != null && (user.isBlank() || user.startsWith("-") || user.chars().anyMatch(c -> c <= 0x20 || c == 0x7f))) {
                throw new InventoryException(m.get("pcp_user").at(), "pcp_user: '" + user + "' is not a user name");
            }
            String pcppass = text(m, "pcppass_file");
            if (pcppass != null) {
                InventoryYaml.checkPath(pcppass, m.get("pcppass_file").at(), "pcppass_file");
            }
            out.add(new Pgpool(hostName, address, port, pcpPort, user, nodeIds(m, hosts, cluster), m.at(), pcppass));
        }
        return List.copyOf(out);
    }

    private static Map<String, Integer> nodeIds(YMap m, List<Host> hosts, String cluster) {
        YNode n = m.get("node_ids");
        if (n == null) {
            return Map.of();
        }
        Map<String, Integer> ids = new LinkedHashMap<>();
        Map<Integer, String> byId = new HashMap<>();
        InventoryYaml.map(n, "pgpool.node_ids").entries().forEach((name, e) -> {
            Host h = hosts.stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow(() -> new InventoryException(
                    e.keyAt(), "pgpool.node_ids: '" + name + "' is not a host of cluster '" + cluster + "'"));
            if (h.role() == Role.REPLICA) {
                throw new InventoryException(e.keyAt(), "pgpool.node_ids: " + name + " is the logical REPLICA;"
                        + " pgpool's streaming-replication backends are the MASTER, SLAVE and BCP");
            }
            Object v = InventoryYaml.scalar(e.value(), "node id").value();
            int id;
            if (v instanceof Number num && num.doubleValue() == num.intValue() && num.intValue() >= 0) {
                id = num.intValue();
            } else {
                throw new InventoryException(e.value().at(), "pgpool.node_ids." + name + ": '" + v
                        + "' is not a backend node id (0, 1, 2 ... as in SHOW pool_nodes)");
            }
            if (byId.containsKey(id)) {
                throw new InventoryException(e.value().at(), "pgpool.node_ids: " + name + " and " + byId.get(id)
                        + " both have node id " + id);
            }
            byId.put(id, name);
            ids.put(name, id);
        });
        return ids;
    }

    private static String text(YMap m, String key) {
        YNode n = m.get(key);
        if (n == null) {
            return null;
        }
        String t = InventoryYaml.scalar(n, key).text();
        return t == null || t.isBlank() ? null : t;
    }

    private static int port(YMap m, String key, int dflt) {
        YNode n = m.get(key);
        if (n == null) {
            return dflt;
        }
        Object v = InventoryYaml.scalar(n, key).value();
        if (v instanceof Number num && num.doubleValue() == num.intValue() && num.intValue() >= 1 && num.intValue() <= 65535) {
            return num.intValue();
        }
        throw new InventoryException(n.at(), "pgpool." + key + ": '" + v + "' is not a TCP port (1 to 65535)");
    }
}
