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
    static final TargetReady.Source SOURCE = new TargetReady.Source(150004, 100L << 20, "7300000000000000001", 
            List.of(new Tablespaces.Tablespace(16390, "ts1", "/srv/ts1")));

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
            ts0.state full
            ts0.w yes
            ts0.pw yes
            ts0.link /srv/ts1
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
        String p = GOOD.replace("w.parent yes", "w.parent no").replace("ts0.state full", "ts0.state empty").replace("ts0.w yes", "ts0.w no")
                .replace("90000000 1%", "1000 99%").replace("sysid 7300000000000000001", "sysid 7399999999999999999");
        List<String> bb = TargetReady.refusals(DB3, DB1, "basebackup", SOURCE, probe(p));
        assertTrue(bb.stream().anyMatch(s -> s.contains("postgres cannot write /var/lib/pg (the data directory's parent")), bb::toString);
        assertTrue(bb.stream().anyMatch(s -> s.contains("tablespace ts1 at /srv/ts1 is not writable by postgres")), bb::toString);
        assertTrue(bb.stream().anyMatch(s -> s.contains("not enough free space")), bb::toString);
        List<String> rw = TargetReady.refusals(DB3, DB1, "rewind", SOURCE, probe(p));
        assertTrue(rw.stream().anyMatch(s -> s.contains("db3 is another cluster (system identifier 7399999999999999999")), rw::toString);
        List<String> none = TargetReady.refusals(DB3, DB1, "rewind", SOURCE, probe(GOOD.replace("sysid 7300000000000000001", "sysid")));
        assertTrue(none.stream().anyMatch(s -> s.contains("pg_controldata cannot read")), none::toString);
    }

    static final Host DB3_MAPPED = new InventoryLoader(Map.of("HOME", "/tmp")).parse(Path.of("inventory.yaml"), """
            clusters:
              lab:
                defaults: {transport: local, become: postgres}
                hosts:
                  db1: {address: 127.0.0.1, role: MASTER}
                  db3: {address: 127.0.0.3, role: BCP, postgres: {tablespace_map: {"/srv/ts1": "/srv/ts1-db3"}}}
            """).clusters().values().iterator().next().host("db3").orElseThrow();

    @Test
    void a_tablespace_directory_that_is_the_sources_own_is_refused_for_every_method_with_the_map_to_set() {
        TargetReady.Source src = new TargetReady.Source(150004, 1L << 20, "7300000000000000001", SOURCE.tablespaces(),
                Map.of("ts0.id", "0b1e5a7c-1111-2222-3333-444455556666:2049:1234"));
        String p = GOOD + "ts0.id 0b1e5a7c-1111-2222-3333-444455556666:2049:1234\n";
        for (String m : List.of("basebackup", "rsync", "rewind")) {
            List<String> why = TargetReady.refusals(DB3, DB1, m, src, probe(p));
            assertTrue(why.stream().anyMatch(s -> s.contains("is the very directory db1 uses") && s.contains("{\"/srv/ts1\": \"/srv/ts1-db3\"}")), m + why);
        }
        String other = GOOD + "ts0.id 0b1e5a7c-1111-2222-3333-444455556666:2049:9999\n";
        assertEquals(List.of(), TargetReady.refusals(DB3, DB1, "basebackup", src, probe(other)));
    }

    @Test
    void an_earlier_copy_on_a_mount_point_or_under_a_read_only_parent_cannot_be_moved_aside_for_a_base_backup() {
        List<String> mnt = TargetReady.refusals(DB3, DB1, "basebackup", SOURCE, probe(GOOD + "ts0.mnt yes\n"));
        assertTrue(mnt.stream().anyMatch(s -> s.contains("holds an earlier copy") && s.contains("it is a mount point")), mnt::toString);
        List<String> ro = TargetReady.refusals(DB3, DB1, "basebackup", SOURCE, probe(GOOD.replace("ts0.pw yes", "ts0.pw no")));
        assertTrue(ro.stream().anyMatch(s -> s.contains("postgres cannot write its parent")), ro::toString);
        assertEquals(List.of(), TargetReady.refusals(DB3, DB1, "rsync", SOURCE, probe(GOOD + "ts0.mnt yes\n")), "rsync copies over it");
        List<String> absent = TargetReady.refusals(DB3, DB1, "basebackup", SOURCE,
                probe(GOOD.replace("ts0.state full", "ts0.state absent").replace("ts0.pw yes", "ts0.pw no")));
        assertTrue(absent.stream().anyMatch(s -> s.contains("does not exist and postgres cannot create it")), absent::toString);
    }

    @Test
    void a_rewind_needs_the_pg_tblspc_link_at_the_hosts_own_path() {
        String mapped = GOOD.replace("ts0.link /srv/ts1", "ts0.link /srv/ts1-db3");
        assertEquals(List.of(), TargetReady.refusals(DB3_MAPPED, DB1, "rewind", SOURCE, probe(mapped)));
        List<String> wrong = TargetReady.refusals(DB3_MAPPED, DB1, "rewind", SOURCE, probe(GOOD));
        assertTrue(wrong.stream().anyMatch(s -> s.contains("pg_tblspc/16390 (tablespace ts1) points at /srv/ts1, but the inventory puts it at /srv/ts1-db3")), wrong::toString);
        List<String> none = TargetReady.refusals(DB3_MAPPED, DB1, "rewind", SOURCE, probe(GOOD.replace("ts0.link /srv/ts1", "ts0.link")));
        assertTrue(none.stream().anyMatch(s -> s.contains("no pg_tblspc/16390") && s.contains("pgrunbook rebuild db3 --from db1")), none::toString);
        assertEquals(List.of(), TargetReady.refusals(DB3, DB1, "rewind", SOURCE, probe(GOOD.replace("ts0.link /srv/ts1", "ts0.link"))),
                "same path on every host: pg_rewind makes the link itself");
        List<String> gone = TargetReady.refusals(DB3, DB1, "rewind", SOURCE, probe(GOOD.replace("ts0.state full", "ts0.state absent")));
        assertTrue(gone.stream().anyMatch(s -> s.contains("tablespace ts1 at /srv/ts1 does not exist; fix: create /srv/ts1 on db3")), gone::toString);
    }

    static TargetReady.Probe runScript(String script) throws Exception {
        Process pr = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes());
        assertEquals(0, pr.waitFor(), out);
        return probe(out);
    }

    @Test
    void the_tablespace_probe_tells_absent_empty_and_full_directories_and_reads_the_link(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path ts = dir.resolve("ts");
        Path link = dir.resolve("link");
        TargetReady.Probe absent = runScript(TargetReady.tablespaceScript(0, ts.toString(), link.toString()));
        assertEquals("absent", absent.get("ts0.state"));
        assertEquals("yes", absent.get("ts0.pw"));
        assertEquals("", absent.get("ts0.link"));
        java.nio.file.Files.createDirectory(ts);
        java.nio.file.Files.createSymbolicLink(link, ts);
        TargetReady.Probe empty = runScript(TargetReady.tablespaceScript(0, ts.toString(), link.toString()));
        assertEquals("empty", empty.get("ts0.state"));
        assertEquals("yes", empty.get("ts0.w"));
        assertEquals(ts.toString(), empty.get("ts0.link"));
        assertNull(empty.get("ts0.mnt"));
        assertTrue(empty.get("ts0.id").matches(".+:\\d+:\\d+"), empty.get("ts0.id"));
        java.nio.file.Files.createDirectory(ts.resolve("PG_15_202209061"));
        assertEquals("full", runScript(TargetReady.tablespaceScript(0, ts.toString(), link.toString())).get("ts0.state"));
    }
}
