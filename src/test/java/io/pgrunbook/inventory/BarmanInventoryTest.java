package io.pgrunbook.inventory;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BarmanInventoryTest {
    private static final Path FILE = Path.of("inv.yaml");
    private final InventoryLoader loader = new InventoryLoader(Map.of("HOME", "/home/dba", "USER", "dba"));

    private static String inventory(String barman) {
        return """
                version: 1
                defaults:
                  transport: ssh
                  ssh: {user: dba, port: 22}
                  become: postgres
                clusters:
                  silkcloud:
                    hosts:
                      db1: {address: 10.1.7.106, role: MASTER}
                      db2: {address: 10.1.7.107, role: SLAVE}
                """ + barman;
    }

    private String error(String yaml) {
        return assertThrows(InventoryException.class, () -> loader.parse(FILE, yaml)).getMessage();
    }

    @Test
    void a_cluster_without_barman_has_none() {
        assertFalse(loader.parse(FILE, inventory("")).cluster(null).hasBarman());
    }

    @Test
    void barman_host_is_reached_like_the_database_hosts_with_its_own_overrides_and_defaults() {
        Cluster c = loader.parse(FILE, inventory("""
                    barman:
                      host: backup1.example.com
                      server: silkcloud
                      ssh: {port: 2200}
                """)).cluster(null);
        BarmanSettings b = c.barman();
        assertEquals("barman", b.host().name());
        assertEquals("backup1.example.com", b.host().address());
        assertEquals(Host.TransportKind.SSH, b.host().transport());
        assertEquals("dba", b.host().ssh().user());
        assertEquals(2200, b.host().ssh().port());
        assertEquals("barman", b.user());
        assertEquals("/etc/barman.d/silkcloud.conf", b.config());
        assertEquals("/etc/barman.conf", b.barmanConfig());
        assertEquals("postgres", b.sshUser());
    }

    @Test
    void missing_host_or_server_and_unknown_keys_are_errors_with_their_line() {
        assertTrue(error(inventory("    barman: {server: silkcloud}\n")).matches("inv.yaml:11:\\d+: barman has no 'host'.*"),
                () -> error(inventory("    barman: {server: silkcloud}\n")));
        assertTrue(error(inventory("    barman: {host: bk1}\n")).contains("barman.server: missing"));
        String e = error(inventory("    barman:\n      host: bk1\n      server: s\n      conifg: /etc/x.conf\n"));
        assertTrue(e.startsWith("inv.yaml:14:") && e.contains("unknown key 'conifg'") && e.contains("did you mean 'config'"), e);
        assertTrue(error(inventory("    barman: {host: 'bk1; rm -rf /', server: s}\n")).contains("barman.host"));
    }

    @Test
    void a_database_host_named_barman_is_refused_when_the_cluster_has_barman() {
        String yaml = inventory("    barman: {host: bk1, server: s}\n").replace("db2: {", "barman: {");
        assertTrue(error(yaml).contains("host name 'barman' is taken"), error(yaml));
    }
}
