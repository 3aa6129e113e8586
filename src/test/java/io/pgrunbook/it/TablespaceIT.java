package io.pgrunbook.it;

import io.pgrunbook.lab.LabLayout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tablespaces on a real lab ({@code lab up --tablespace}: app_ts outside every data directory, a directory per host by
 * postgres.tablespace_map, table ts_items in it): doctor lists it; a rebuild that would copy onto the primary's own
 * directory is refused; db3 rebuilt by base backup and by rsync has the table's rows, in its own directory, and
 * receives new ones; a crashed db1 failed back with pg_rewind receives the rows the new primary wrote into it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TablespaceIT {
    private static final String TABLE = LabLayout.TABLESPACE_TABLE;
    private static LabFixture lab;
    private static LabOps ops;
    private static LabLayout layout;
    private static String oid;

    @BeforeAll
    static void up() {
        lab = LabFixture.start("tablespace", LabNets.TABLESPACE.base(), false, true);
        ops = new LabOps(lab);
        layout = new LabLayout(lab.dir(), lab.address("db1"));
        try {
            oid = ops.one("db1", "postgres", "SELECT oid FROM pg_tablespace WHERE spcname = '" + LabLayout.TABLESPACE + "'");
        } catch (Exception e) {
            throw new AssertionError("db1 has no tablespace " + LabLayout.TABLESPACE, e);
        }
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    private static CliRunner.Result cli(Path inventory, String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "-i";
        all[1] = inventory.toString();
        all[2] = "--no-color";
        System.arraycopy(args, 0, all, 3, args.length);
        return CliRunner.run(all);
    }

    private static String count(String host) throws Exception {
        return ops.one(host, "postgres", "SELECT count(*) FROM " + TABLE);
    }

    /** A row written into the tablespace's table on {@code primary} shows up on {@code standby}. */
    private static void tsRowArrives(String primary, String standby, String note) throws Exception {
        ops.exec(primary, "postgres", "INSERT INTO " + TABLE + "(note) VALUES ('" + note + "')");
        LabOps.await("row '" + note + "' in " + TABLE + " from " + primary + " on " + standby, Duration.ofSeconds(60), () -> {
            try {
                return "1".equals(ops.one(standby, "postgres", "SELECT count(*) FROM " + TABLE + " WHERE note = '" + note + "'"));
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** The host's pg_tblspc link of app_ts, resolved. */
    private static Path link(String host) throws Exception {
        return Files.readSymbolicLink(ops.data(host).resolve("pg_tblspc").resolve(oid));
    }

    /** Whether the table's files of this host live in its own tablespace directory (a PG_15_* directory with files). */
    private static long filesIn(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    private static List<String> asideOf(String host) throws Exception {
        try (Stream<Path> s = Files.list(layout.hostDir(host))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("ts_" + LabLayout.TABLESPACE + ".pgrunbook-old-")).sorted().toList();
        }
    }

    @Test
    @Order(1)
    void doctor_lists_the_tablespace_on_every_physical_host_with_its_own_directory() {
        CliRunner.Result r = cli(lab.inventory(), "doctor");
        for (String h : List.of("db1", "db2", "db3")) {
            assertTrue(r.out().lines().anyMatch(l -> l.contains(h) && l.contains("tablespace " + LabLayout.TABLESPACE)
                            && l.contains(layout.tablespaceDir(h).toString()) && l.contains("writable")),
                    h + ": " + r);
        }
        assertFalse(r.out().lines().anyMatch(l -> l.contains("tablespace " + LabLayout.TABLESPACE) && l.contains("FAIL")), r::toString);
    }

    @Test
    @Order(2)
    void a_rebuild_without_the_hosts_tablespace_map_is_refused_before_anything_moves() throws Exception {
        // as a site inventory would be on one machine: db3 keeps the site path, which is db1's directory here
        String text = Files.readString(lab.inventory());
        String mapLine = "          tablespace_map: {\"" + layout.tablespaceSitePath() + "\": \"" + layout.tablespaceDir("db3") + "\"}\n";
        assertTrue(text.contains(mapLine), text);
        String db1Map = "          tablespace_map: {\"" + layout.tablespaceSitePath() + "\": \"" + layout.tablespaceDir("db1") + "\"}\n";
        // db1 and db3 without a map: db3 would take db1's path as the site path
        Path inv = lab.dir().resolve("inventory-no-map.yaml");
        Files.writeString(inv, text.replace(mapLine, "").replace(db1Map, ""));
        String before = ops.listing("db3");
        long db1Files = filesIn(layout.tablespaceDir("db1"));

        CliRunner.Result r = cli(inv, "rebuild", "db3", "--yes", "--confirm-host", "db3").expect(3);

        assertTrue(r.err().contains("is the very directory db1 uses") && r.err().contains("postgres.tablespace_map"), r::toString);
        assertEquals(before, ops.listing("db3"), "db3 untouched");
        assertEquals(db1Files, filesIn(layout.tablespaceDir("db1")), "db1's tablespace untouched");
        tsRowArrives("db1", "db3", "after the refusal");
    }

    @Test
    @Order(3)
    void rebuild_by_basebackup_copies_the_tablespace_into_the_targets_own_directory_and_keeps_the_old_one_aside() throws Exception {
        ops.exec("db1", "postgres", "INSERT INTO " + TABLE + "(note) SELECT 'before basebackup ' || g FROM generate_series(1, 50) g");
        String rows = count("db1");

        CliRunner.Result r = cli(lab.inventory(), "rebuild", "db3", "--yes", "--confirm-host", "db3").expect(0);

        assertTrue(r.err().contains("tablespaces mapped: --tablespace-mapping=" + layout.tablespaceDir("db1") + "=" + layout.tablespaceDir("db3")), r::toString);
        LabOps.await("db3 has the rows", Duration.ofSeconds(60), () -> {
            try {
                return rows.equals(count("db3"));
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals(layout.tablespaceDir("db3"), link("db3"));
        assertTrue(filesIn(layout.tablespaceDir("db3")) > 0, "the copy is in db3's own directory");
        List<String> aside = asideOf("db3");
        assertEquals(1, aside.size(), "the old tablespace kept beside it: " + aside + " " + r);
        assertTrue(filesIn(layout.hostDir("db3").resolve(aside.get(0))) > 0, "with its files");
        tsRowArrives("db1", "db3", "after basebackup");
    }

    @Test
    @Order(4)
    void a_host_without_a_map_gets_the_tablespace_at_the_site_path_once_that_directory_exists_empty_and_writable() throws Exception {
        // what a site does: no tablespace_map for db3, so the site path; on the lab nobody else uses that path
        String text = Files.readString(lab.inventory());
        String mapLine = "          tablespace_map: {\"" + layout.tablespaceSitePath() + "\": \"" + layout.tablespaceDir("db3") + "\"}\n";
        Path inv = lab.dir().resolve("inventory-db3-site-path.yaml");
        Files.writeString(inv, text.replace(mapLine, ""));
        if (io.pgrunbook.remote.LocalTransport.runningAsRoot()) {
            // the lab directory is root's: the postgres OS user can create nothing at the site path yet
            String before = ops.listing("db3");
            CliRunner.Result refused = cli(inv, "rebuild", "db3", "--yes", "--confirm-host", "db3").expect(3);
            assertTrue(refused.err().contains("tablespace " + LabLayout.TABLESPACE + " at " + layout.tablespaceSitePath()
                    + " does not exist and postgres cannot create it"), refused::toString);
            assertEquals(before, ops.listing("db3"));
        }

        Path site = layout.tablespaceSitePath();
        Files.createDirectories(site);
        if (io.pgrunbook.remote.LocalTransport.runningAsRoot()) {
            var lookup = site.getFileSystem().getUserPrincipalLookupService();
            Files.setOwner(site, lookup.lookupPrincipalByName("postgres"));
        }
        CliRunner.Result r = cli(inv, "rebuild", "db3", "--yes", "--confirm-host", "db3").expect(0);

        assertTrue(r.err().contains("--tablespace-mapping=" + layout.tablespaceDir("db1") + "=" + site), r::toString);
        assertEquals(site, link("db3"));
        assertTrue(filesIn(site) > 0, r::toString);
        tsRowArrives("db1", "db3", "at the site path");
    }

    @Test
    @Order(5)
    void rebuild_by_rsync_copies_the_tablespace_links_it_to_the_targets_own_directory_and_discards_the_old_copies() throws Exception {
        ops.exec("db1", "postgres", "INSERT INTO " + TABLE + "(note) SELECT 'before rsync ' || g FROM generate_series(1, 50) g");
        ops.stop("db3", "fast");
        // a tablespace copy that is behind and holds a stray file: rsync brings it to the source's state
        try (Stream<Path> s = Files.list(layout.tablespaceDir("db3"))) {
            Path version = s.filter(p -> p.getFileName().toString().startsWith("PG_15_")).findFirst().orElseThrow();
            Files.writeString(version.resolve("stray"), "not the source's");
        }
        String db1Link = link("db1").toString();

        CliRunner.Result r = cli(lab.inventory(), "rebuild", "db3", "--method", "rsync", "--discard-old", "--yes", "--confirm-host", "db3").expect(0);

        assertTrue(r.err().contains("tablespace " + LabLayout.TABLESPACE + ": rsync"), r::toString);
        String rows = count("db1");
        LabOps.await("db3 has the rows", Duration.ofSeconds(60), () -> {
            try {
                return rows.equals(count("db3"));
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals(layout.tablespaceDir("db3"), link("db3"), "db3's link at its own directory, not db1's " + db1Link);
        try (Stream<Path> s = Files.walk(layout.tablespaceDir("db3"))) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().equals("stray")), "rsync --delete inside PG_15_*");
        }
        assertEquals(List.of(), asideOf("db3"), "--discard-old removed the tablespace's old copy too");
        assertEquals(layout.tablespaceDir("db1").toString(), db1Link, "db1 untouched");
        tsRowArrives("db1", "db3", "after rsync");
    }

    @Test
    @Order(6)
    void failback_of_a_crashed_master_rewinds_the_tablespace_and_it_receives_the_new_primarys_rows() throws Exception {
        tsRowArrives("db1", "db2", "before the crash");
        ops.stop("db1", "immediate");
        ops.promote("db2");
        ops.exec("db2", "postgres", "INSERT INTO " + TABLE + "(note) SELECT 'on db2 ' || g FROM generate_series(1, 200) g");
        long db2Files = filesIn(layout.tablespaceDir("db2"));

        CliRunner.Result r = cli(lab.inventory(), "failback", "db1", "--yes", "--confirm-host", "db1").expect(0);

        assertTrue(r.err().contains("tablespaces rewound in place: " + LabLayout.TABLESPACE + " at " + layout.tablespaceDir("db1")), r::toString);
        assertEquals("streaming " + lab.address("db2") + " 2", ops.receiver("db1"), r::toString);
        assertEquals(layout.tablespaceDir("db1"), link("db1"));
        String rows = count("db2");
        LabOps.await("db1 has db2's rows", Duration.ofSeconds(60), () -> {
            try {
                return rows.equals(count("db1"));
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals("200", ops.one("db1", "postgres", "SELECT count(*) FROM " + TABLE + " WHERE note LIKE 'on db2 %'"));
        assertTrue(db2Files <= filesIn(layout.tablespaceDir("db2")), "db2's own tablespace directory kept its files");
        tsRowArrives("db2", "db1", "after failback");
    }

    @Test
    @Order(7)
    void failback_is_refused_when_a_tablespace_made_after_the_failover_would_be_linked_to_the_new_primarys_directory() throws Exception {
        // db2 (primary since the last test) crashes, db1 takes over and gets a tablespace nobody mapped
        ops.stop("db2", "immediate");
        ops.promote("db1");
        Path dir = Files.createDirectories(layout.hostDir("db1").resolve("ts_late"));
        if (io.pgrunbook.remote.LocalTransport.runningAsRoot()) {
            Files.setOwner(dir, dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres"));
        }
        ops.exec("db1", "postgres", "CREATE TABLESPACE late_ts LOCATION '" + dir + "'",
                "CREATE TABLE late_items TABLESPACE late_ts AS SELECT g AS id FROM generate_series(1, 1000) g");
        long db1Files = filesIn(dir);
        String before = ops.listing("db2");

        CliRunner.Result r = cli(lab.inventory(), "failback", "db2", "--yes", "--confirm-host", "db2").expect(3);

        assertTrue(r.err().contains("tablespace late_ts at " + dir + " is the very directory db1 uses"), r::toString);
        assertEquals(before, ops.listing("db2"), "db2 untouched");
        assertEquals(db1Files, filesIn(dir), "db1's new tablespace untouched");
        assertEquals("1000", ops.one("db1", "postgres", "SELECT count(*) FROM late_items"));
    }
}
