package io.pgrunbook.action;

import io.pgrunbook.action.Tablespaces.Tablespace;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.InventoryLoader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TablespacesTest {
    static final Cluster LAB = new InventoryLoader(Map.of("HOME", "/tmp")).parse(Path.of("inventory.yaml"), """
            clusters:
              lab:
                defaults: {transport: local}
                hosts:
                  db1: {address: 127.0.0.1, role: MASTER, postgres: {tablespace_map: {"/srv/ts/app": "/lab/db1/ts"}}}
                  db2: {address: 127.0.0.2, role: SLAVE, postgres: {tablespace_map: {"/srv/ts/app": "/lab/db2/ts"}}}
                  db3: {address: 127.0.0.3, role: BCP}
            """).clusters().values().iterator().next();
    static final Host DB1 = LAB.host("db1").orElseThrow();
    static final Host DB2 = LAB.host("db2").orElseThrow();
    static final Host DB3 = LAB.host("db3").orElseThrow();
    // db1 reports its own path: pg_tablespace_location reads its pg_tblspc link
    static final List<Tablespace> ON_DB1 = List.of(new Tablespace(16390, "app_ts", "/lab/db1/ts"), new Tablespace(16391, "plain", "/srv/ts/plain"));

    @Test
    void the_source_path_goes_back_to_the_site_path_then_to_the_targets_own() {
        assertEquals("/srv/ts/app", ON_DB1.get(0).sitePath(DB1));
        assertEquals("/lab/db2/ts", ON_DB1.get(0).pathOn(DB2, DB1));
        assertEquals("/srv/ts/app", ON_DB1.get(0).pathOn(DB3, DB1), "a host without a map keeps the site path");
        assertEquals("/srv/ts/plain", ON_DB1.get(1).pathOn(DB2, DB1));
    }

    @Test
    void pg_basebackup_maps_only_the_tablespaces_kept_elsewhere_than_on_the_source() {
        assertEquals(List.of("--tablespace-mapping=/lab/db1/ts=/lab/db2/ts"), Tablespaces.mappingArgs(ON_DB1, DB2, DB1));
        assertEquals(List.of("--tablespace-mapping=/lab/db1/ts=/srv/ts/app"), Tablespaces.mappingArgs(ON_DB1, DB3, DB1));
        assertEquals(List.of(), Tablespaces.mappingArgs(List.of(new Tablespace(16390, "app_ts", "/srv/ts/app")), DB3, DB3));
    }

    @Test
    void the_backups_tablespace_map_gets_the_targets_paths() {
        assertEquals("16390 /lab/db2/ts\n16391 /srv/ts/plain\n",
                Tablespaces.remap("16390 /lab/db1/ts\n16391 /srv/ts/plain\n", ON_DB1, DB2, DB1));
        assertEquals("", Tablespaces.remap("", ON_DB1, DB2, DB1));
    }
}
