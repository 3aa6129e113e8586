package io.pgrunbook.action;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.InventoryLoader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetReadyTest {
    static final Cluster CLUSTER = new InventoryLoader(Map.of("HOME", "/tmp")).parse(Path.of("inventory.yaml"), """
            version: 1
            defaults:
              transport: local
              become: postgres
              postgres: {data_dir: /var/lib/pg/main, bin_dir: /usr/lib/postgresql/15/bin}
            clusters:
              lab:
                hosts:
                  db1: {address: 127.0.0.1, role: MASTER}
                  db3: {address: 127.0.0.3, role: BCP}
            """).clusters().values().iterator().next();
    static final Host DB1 = CLUSTER.host("db1").orElseThrow();
    static final Host DB3 = CLUSTER.host("db3").orElseThrow();
    static final TargetReady.Source SOURCE = new TargetReady.Source(150004, 100L << 20, "7300000000000000001", List.of("/srv/ts1"));

    static TargetReady.Probe probe(String text) {
        return TargetReady.Probe.parse(text);
    }

    static final String GOOD = """
            bin.pg_ctl pg_ctl (PostgreSQL) 15.4
            bin.pg_controldata pg_controldata (PostgreSQL) 15.4
            bin.postgres postgres (PostgreSQL) 15.4 (Debian 15.4-1)
            bin.pg_basebackup pg_basebackup (PostgreSQL) 15.4
            bin.pg_rewind pg_rewind (PostgreSQL) 15.4
            bin.rsync rsync  version 3.2.7  protocol version 31
            w.parent yes
            w.data yes
            w.ts0 yes
            df /dev/sda1 100000000 1000 90000000 1% /var/lib/pg
            sysid 7300000000000000001
            """;

    @Test
    void major_versions_read_from_program_banners_and_version_numbers() {
        assertEquals("15", TargetReady.major("pg_rewind (PostgreSQL) 15.5 (Debian 15.5-0+deb12u1)"));
        assertEquals("9.6", TargetReady.major("pg_basebackup (PostgreSQL) 9.6.24"));
        assertNull(TargetReady.major("sh: pg_rewind: not found"));
        assertEquals("15", TargetReady.major(150004));
        assertEquals("9.6", TargetReady.major(90624));
    }

    @Test
    void a_target_with_everything_is_ready_for_every_method() {
        for (String m : List.of("basebackup", "rsync", "rewind")) {
            assertEquals(List.of(), TargetReady.refusals(DB3, DB1, m, SOURCE, probe(GOOD)), m);
        }
    }

    @Test
    void a_missing_binary_another_major_version_and_no_rsync_are_named_with_the_fix() {
        String p = GOOD.replace("bin.pg_basebackup pg_basebackup (PostgreSQL) 15.4\n", "bin.pg_basebackup\n")
                .replace("bin.pg_ctl pg_ctl (PostgreSQL) 15.4", "bin.pg_ctl pg_ctl (PostgreSQL) 14.9")
                .replace("bin.rsync rsync  version 3.2.7  protocol version 31\n", "bin.rsync\n");
        List<String> bb = TargetReady.refusals(DB3, DB1, "basebackup", SOURCE, probe(p));
        assertTrue(bb.stream().anyMatch(s -> s.startsWith("db3: /usr/lib/postgresql/15/bin/pg_basebackup is missing")), bb::toString);
        assertTrue(bb.stream().anyMatch(s -> s.contains("pg_ctl is pg_ctl (PostgreSQL) 14.9, but db1 runs PostgreSQL 15")), bb::toString);
        List<String> rs = TargetReady.refusals(DB3, DB1, "rsync", SOURCE, probe(p));
        assertTrue(rs.stream().anyMatch(s -> s.startsWith("db3: rsync is not installed")), rs::toString);
    }

    @Test
    void pg_controldata_of_another_major_is_accepted_since_each_read_checks_pg_controls_checksum() {
        String p = GOOD.replace("bin.pg_controldata pg_controldata (PostgreSQL) 15.4", "bin.pg_controldata pg_controldata (PostgreSQL) 17.2");
        assertTrue(p.contains("17.2"), "fixture has a pg_controldata line");
        for (String m : List.of("basebackup", "rsync", "rewind")) {
            assertEquals(List.of(), TargetReady.refusals(DB3, DB1, m, SOURCE, probe(p)), m);
        }
        String pgCtl = GOOD.replace("bin.pg_ctl pg_ctl (PostgreSQL) 15.4", "bin.pg_ctl pg_ctl (PostgreSQL) 17.2");
        assertEquals(1, TargetReady.refusals(DB3, DB1, "rsync", SOURCE, probe(pgCtl)).size());
    }

    @Test
    void unwritable_directories_a_full_disk_and_another_cluster_are_refused() {
        String p = GOOD.replace("w.parent yes", "w.parent no").replace("w.ts0 yes", "w.ts0 no")
                .replace("90000000 1%", "1000 99%").replace("sysid 7300000000000000001", "sysid 7399999999999999999");
        List<String> bb = TargetReady.refusals(DB3, DB1, "basebackup", SOURCE, probe(p));
        assertTrue(bb.stream().anyMatch(s -> s.contains("postgres cannot write /var/lib/pg (the data directory's parent")), bb::toString);
        assertTrue(bb.stream().anyMatch(s -> s.contains("cannot write the tablespace directory /srv/ts1")), bb::toString);
        assertTrue(bb.stream().anyMatch(s -> s.contains("not enough free space")), bb::toString);
        List<String> rw = TargetReady.refusals(DB3, DB1, "rewind", SOURCE, probe(p));
        assertTrue(rw.stream().anyMatch(s -> s.contains("db3 is another cluster (system identifier 7399999999999999999")), rw::toString);
        List<String> none = TargetReady.refusals(DB3, DB1, "rewind", SOURCE, probe(GOOD.replace("sysid 7300000000000000001", "sysid")));
        assertTrue(none.stream().anyMatch(s -> s.contains("pg_controldata cannot read")), none::toString);
    }
}
