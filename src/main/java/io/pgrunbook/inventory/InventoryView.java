package io.pgrunbook.inventory;

import java.util.LinkedHashMap;
import java.util.Map;

/** The merged inventory as plain maps for `inventory show`: every effective value; no secrets exist to show. */
public final class InventoryView {
    private InventoryView() {
    }

    public static Map<String, Object> of(Inventory inv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", inv.file().toString());
        m.put("sha256", inv.sha256());
        Map<String, Object> cs = new LinkedHashMap<>();
        inv.clusters().forEach((n, c) -> cs.put(n, of(c)));
        m.put("clusters", cs);
        return m;
    }

    public static Map<String, Object> of(Cluster c) {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> hosts = new LinkedHashMap<>();
        for (Host h : c.hosts()) {
            Map<String, Object> hm = new LinkedHashMap<>();
            hm.put("address", h.address());
            hm.put("role", h.role().name());
            hm.put("transport", h.transport().name().toLowerCase());
            if (h.overSsh()) {
                hm.put("ssh", h.ssh());
            }
            hm.put("become", h.become());
            hm.put("postgres", h.postgres());
            hm.put("replication", h.replication());
            hm.put("pgbouncer", h.pgbouncer());
            hosts.put(h.name(), hm);
        }
        m.put("hosts", hosts);
        m.put("settings", Map.of("max_lag", Units.bytes(c.settings().maxLagBytes()),
                "probe_timeout", Units.duration(c.settings().probeTimeout()),
                "wait_timeout", Units.duration(c.settings().waitTimeout()),
                "promote_timeout", Units.duration(c.settings().promoteTimeout())));
        m.put("smoke", c.smoke());
        m.put("hooks", c.hooks());
        m.put("contacts", c.contacts());
        if (c.drill()) {
            // only where it is set: a site without drills sees what it saw before
            m.put("drill", true);
        }
        if (c.hasBarman()) {
            BarmanSettings b = c.barman();
            Map<String, Object> bm = new java.util.LinkedHashMap<>();
            bm.put("host", b.host().address());
            bm.put("transport", b.host().transport().name().toLowerCase());
            if (b.host().overSsh()) {
                bm.put("ssh", b.host().ssh());
            }
            bm.put("user", b.user());
            bm.put("server", b.server());
            bm.put("config", b.config());
            bm.put("barman_config", b.barmanConfig());
            bm.put("ssh_user", b.sshUser());
            bm.put("keep_backups", b.keepBackups());
            m.put("barman", bm);
        }
        return m;
    }
}
