package io.pgrunbook.inventory;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PgpoolLoaderTest {
    private final InventoryLoader loader = new InventoryLoader(Map.of("HOME", "/home/dba"));

    private static String inv(String pgpool) {
        return """
                version: 1
                clusters:
                  c:
                    hosts:
                      db1: {address: 10.0.0.1, role: MASTER}
                      db2: {address: 10.0.0.2, role: SLAVE}
                      db4: {address: 10.0.0.4, role: REPLICA, replication: {kind: logical, database: app, subscription: s}}
                """ + pgpool;
    }

    private Cluster load(String pgpool) {
        return loader.parse(Path.of("inv.yaml"), inv(pgpool)).cluster(null);
    }

    private String error(String pgpool) {
        return assertThrows(InventoryException.class, () -> load(pgpool)).getMessage();
    }

    @Test
    void a_cluster_without_pgpool_has_none() {
        assertTrue(load("").pgpools().isEmpty());
    }

    @Test
    void a_pgpool_on_an_inventory_host_takes_its_address_and_the_default_ports() {
        Pgpool p = load("    pgpool: [{host: db1, pcp_user: pcpadmin, node_ids: {db1: 0, db2: 1}}]\n").pgpools().get(0);
        assertEquals("db1", p.host());
        assertEquals("10.0.0.1", p.address());
        assertEquals(9999, p.port());
        assertEquals(9898, p.pcpPort());
        assertEquals("pcpadmin", p.pcpUser());
        assertEquals(1, p.givenId("db2").orElseThrow());
        assertNull(p.pcppassFile());
        assertEquals("pgpool@db1:9999", p.label());
    }

    @Test
    void a_single_pgpool_may_be_a_mapping_and_live_outside_the_inventory() {
        Pgpool p = load("    pgpool: {address: 10.0.0.9, port: 5433, pcp_port: 9000}\n").pgpools().get(0);
        assertNull(p.host());
        assertEquals("pgpool@10.0.0.9:5433", p.label());
        assertEquals(9000, p.pcpPort());
    }

    @Test
    void errors_name_the_line_and_the_fix() {
        assertTrue(error("    pgpool: [{host: db9}]\n").matches("inv.yaml:8:\\d+: pgpool.host 'db9' is not a host of cluster 'c'.*"),
                error("    pgpool: [{host: db9}]\n"));
        assertTrue(error("    pgpool: [{port: 9999}]\n").contains("pgpool needs 'host'"));
        assertTrue(error("    pgpool: [{host: db1, pcp_usr: x}]\n").contains("unknown key 'pcp_usr' in pgpool (did you mean 'pcp_user'?)"));
        assertTrue(error("    pgpool: [{host: db1, pcp_port: 70000}]\n").contains("pgpool.pcp_port: '70000' is not a TCP port"));
        assertTrue(error("    pgpool: [{host: db1, node_ids: {db1: 0, db2: 0}}]\n").contains("db2 and db1 both have node id 0"));
        assertTrue(error("    pgpool: [{host: db1, node_ids: {db4: 2}}]\n").contains("db4 is the logical REPLICA"));
        assertTrue(error("    pgpool: [{host: db1, node_ids: {db1: -1}}]\n").contains("is not a backend node id"));
        assertTrue(error("    pgpool: [{host: db1}, {host: db1}]\n").contains("is listed twice"));
        assertTrue(error("    pgpool: [{host: db1, pcp_password: x}]\n").contains("passwords do not belong in the inventory"));
    }
}
