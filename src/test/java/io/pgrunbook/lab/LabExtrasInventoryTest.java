package io.pgrunbook.lab;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.InventoryLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabExtrasInventoryTest {
    private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

    private static Cluster load(Path dir, String text) throws Exception {
        Path file = dir.resolve("inventory.yaml");
        Files.writeString(file, text);
        return new InventoryLoader(Map.of()).load(file).cluster("lab");
    }

    @Test
    void vip_and_readonly_keys_load_in_the_local_and_the_ssh_lab_inventory(@TempDir Path tmp) throws Exception {
        LabLayout layout = new LabLayout(tmp.resolve("pglab"), "127.0.120.11");
        for (String text : List.of(LabInventory.render(layout, BIN, "postgres", null),
                LabInventory.render(layout, BIN, null, new LabInventory.Ssh("root", 2222, tmp.resolve("key"), tmp.resolve("kh"))))) {
            Cluster c = load(tmp, VipLab.withVip(ReadOnlyLab.inventory(layout, text), layout));
            assertEquals("127.0.120.100/32", c.vip().cidr());
            assertEquals("pgr00780bh2", c.vip().interfaceOf(c.host("db2").orElseThrow()));
            assertEquals(List.of("db1", "db2", "db3"), c.vip().candidates(c).stream().map(h -> h.name()).toList());
            assertEquals(List.of(ReadOnlyLab.DATABASE), c.host("db2").orElseThrow().pgbouncer().readonlyDatabases());
            assertTrue(c.host("db1").orElseThrow().pgbouncer().readonlyDatabases().isEmpty());
        }
    }

    @Test
    void lab_vip_names_fit_linux_and_avoid_the_hosts_addresses() {
        LabLayout far = new LabLayout(Path.of("/tmp/x"), "127.255.255.11");
        assertTrue(VipLab.iface(far, "db3").length() + 1 <= 15, "the peer name must fit IFNAMSIZ");
        assertEquals("127.0.5.200", VipLab.address(new LabLayout(Path.of("/tmp/x"), "127.0.5.98")));
        assertEquals("127.0.5.100", VipLab.address(new LabLayout(Path.of("/tmp/x"), "127.0.5.21")));
    }
}
