package io.pgrunbook.action;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.InventoryLoader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class BarmanRecoverTest {
    private static Cluster cluster(String transport, String barmanTransport) {
        return new InventoryLoader(Map.of("HOME", "/home/dba", "USER", "dba")).parse(Path.of("inv.yaml"), """
                version: 1
                defaults: {transport: %s, become: postgres}
                clusters:
                  c:
                    hosts:
                      db1: {address: 10.0.0.1, role: MASTER}
                      db3: {address: 10.0.0.3, role: BCP}
                    barman: {host: 10.0.0.9, server: c, transport: %s, ssh_user: pgowner}
                """.formatted(transport, barmanTransport)).cluster(null);
    }

    @Test
    void a_restore_onto_another_machine_goes_over_ssh_as_the_ssh_user() {
        Cluster c = cluster("ssh", "ssh");
        assertEquals("ssh pgowner@10.0.0.3", BarmanRecoverAction.remoteSsh(c.barman(), c.host("db3").orElseThrow()));
    }

    @Test
    void a_restore_on_barmans_own_machine_is_local() {
        Cluster c = cluster("local", "local");
        assertNull(BarmanRecoverAction.remoteSsh(c.barman(), c.host("db3").orElseThrow()));
    }
}
