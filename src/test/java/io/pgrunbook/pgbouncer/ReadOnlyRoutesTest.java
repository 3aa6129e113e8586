package io.pgrunbook.pgbouncer;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.InventoryException;
import io.pgrunbook.inventory.InventoryLoader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReadOnlyRoutesTest {
    private static Cluster parse(String db2Pgbouncer) {
        return new InventoryLoader(Map.of("HOME", "/h")).parse(Path.of("inv.yaml"), """
                defaults: {transport: local}
                clusters:
                  c:
                    hosts:
                      db1: {address: 10.0.0.1, role: MASTER, pgbouncer: true}
                      db2: {address: 10.0.0.2, role: SLAVE, pgbouncer: PGB}
                      db3: {address: 10.0.0.3, role: BCP}
                      db5: {address: 10.0.0.5, role: BCP}
                """.replace("PGB", db2Pgbouncer)).cluster(null);
    }

    private static final Cluster C = parse("{databases: [app], readonly_databases: [app_ro]}");

    private static String choose(String pgbouncer, String primary, Set<String> streaming) {
        Host h = C.host(pgbouncer).orElseThrow();
        return ReadOnlyRoutes.choose(C, h, primary, x -> streaming.contains(x.name())).map(Host::name).orElse("primary");
    }

    @Test
    void a_route_stays_on_its_own_standby_while_it_streams() {
        assertEquals("db2", choose("db2", "db1", Set.of("db2", "db3")));
    }

    @Test
    void a_route_prefers_the_same_site_then_the_bcps_in_inventory_order() {
        // db2 promoted: the old master (following again) before the BCPs
        assertEquals("db1", choose("db2", "db2", Set.of("db1", "db3", "db5")));
        assertEquals("db3", choose("db2", "db1", Set.of("db3", "db5")));
        assertEquals("db5", choose("db2", "db1", Set.of("db5")));
    }

    @Test
    void with_no_standby_streaming_the_route_falls_back_to_the_primary() {
        assertEquals("primary", choose("db2", "db1", Set.of()));
        assertEquals("primary", choose("db2", "db2", Set.of("db2")), "the primary is never chosen as a standby");
    }

    @Test
    void readonly_routes_are_not_primary_routes_and_only_sites_with_them_get_the_step() {
        Host db2 = C.host("db2").orElseThrow();
        assertEquals(List.of("app_ro"), db2.pgbouncer().readonlyDatabases());
        assertTrue(ReadOnlyRoutes.any(C));
        Host all = parse("{readonly_databases: [app_ro]}").host("db2").orElseThrow();
        assertTrue(Repoint.managed(all, "app"));
        assertFalse(Repoint.managed(all, "app_ro"), "pause and the primary repoint leave a read-only route alone");
        assertFalse(ReadOnlyRoutes.any(parse("true")));
    }

    @Test
    void a_database_cannot_be_both_a_primary_and_a_readonly_route() {
        InventoryException e = assertThrows(InventoryException.class, () -> parse("{databases: [app], readonly_databases: [app]}"));
        assertTrue(e.getMessage().contains("inv.yaml:6") && e.getMessage().contains("'app' is also in pgbouncer.databases"), e.getMessage());
    }
}
