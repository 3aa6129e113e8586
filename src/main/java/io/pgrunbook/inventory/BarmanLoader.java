package io.pgrunbook.inventory;

import io.pgrunbook.inventory.YNode.YMap;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;

import static io.pgrunbook.inventory.InventoryYaml.*;

/** Reads a cluster's {@code barman:} section. */
final class BarmanLoader {
    private BarmanLoader() {
    }

    /**
     * The cluster's {@code barman:} section. Its host is reached like a database host: {@code transport} and {@code ssh}
     * merge over the cluster's defaults; {@code user} (default barman) is the OS user barman runs as there.
     */
    static BarmanSettings load(String cluster, YMap m, YMap defaults, List<Host> hosts, HostSectionsLoader sections) {
        checkKeys(m, Schema.BARMAN, "cluster '" + cluster + "'.barman");
        if (m.get("ssh") != null) {
            checkKeys(map(m.get("ssh"), "barman.ssh"), Schema.SSH, "cluster '" + cluster + "'.barman.ssh");
        }
        YNode hostNode = m.get("host");
        String address = hostNode == null ? null : scalar(hostNode, "barman.host").text();
        if (address == null || address.isBlank()) {
            throw new InventoryException(m.at(), "barman has no 'host': give the address of the host Barman runs on"
                    + " (barman: {host: backup1.example.com, server: " + cluster + "})");
        }
        checkAddress(address, hostNode.at(), "barman.host");
        YNode serverNode = m.get("server");
        String server = serverNode == null ? null : scalar(serverNode, "barman.server").text();
        if (server == null || !NAME.matcher(server).matches()) {
            throw new InventoryException(serverNode == null ? m.at() : serverNode.at(), "barman.server: "
                    + (server == null ? "missing" : "'" + server + "' is not a Barman server name (letters, digits, '_', '.', '-')")
                    + "; give the server's name in Barman (its [NAME] section)");
        }
        for (Host h : hosts) {
            if (h.name().equals(BarmanSettings.HOST_NAME)) {
                throw new InventoryException(h.location(), "host name '" + BarmanSettings.HOST_NAME + "' is taken: runbook steps"
                        + " name the Barman host 'barman' (on: barman); rename this host");
            }
        }
        LinkedHashMap<String, YNode.Entry> own = new LinkedHashMap<>();
        for (String k : List.of("transport", "ssh")) {
            if (m.entries().containsKey(k)) {
                own.put(k, m.entries().get(k));
            }
        }
        YMap merged = (YMap) YNode.merge(defaults, new YMap(own, m.at()));
        Host.TransportKind transport = HostSectionsLoader.transport(merged);
        Host host = new Host(BarmanSettings.HOST_NAME, address, null, transport, sections.ssh(sub(merged, "ssh")), str(m, "user", "barman"),
                sections.postgres(emptyMap(m.at())), null, null, hostNode.at());
        int keep = integer(m, "keep_backups", 5);
        if (keep < 1) {
            throw new InventoryException(m.get("keep_backups").at(), "barman.keep_backups: " + keep + " is less than 1");
        }
        return new BarmanSettings(host, server, path(m, "config", "/etc/barman.d/" + server + ".conf"),
                path(m, "barman_config", "/etc/barman.conf"), str(m, "ssh_user", "postgres"), keep);
    }
}
