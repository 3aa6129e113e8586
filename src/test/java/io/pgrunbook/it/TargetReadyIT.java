package io.pgrunbook.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * rebuild and failback on a real lab whose target's bin_dir lacks what the method runs (or holds another major
 * version): refused by the preflight, exit 3, the old data directory untouched and the node as it was.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TargetReadyIT {
    private static final Path REAL_BIN = Path.of("/usr/lib/postgresql/15/bin");
    private static LabFixture lab;
    private static LabOps ops;
    private static Path partialBin;

    @BeforeAll
    static void up() throws Exception {
        lab = LabFixture.start("target-ready", LabNets.TARGET_READY.base());
        ops = new LabOps(lab);
        // a bin_dir with the server but neither pg_basebackup nor pg_rewind, as a client-less install would be
        partialBin = lab.dir().resolve("partial-bin");
        Files.createDirectories(partialBin);
        for (String p : List.of("pg_ctl", "pg_controldata", "postgres", "psql")) {
            Files.createSymbolicLink(partialBin.resolve(p), REAL_BIN.resolve(p));
        }
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    /** The lab's inventory with {@code host}'s bin_dir pointed at {@code bin}. */
    static Path inventoryWithBinDir(String host, Path bin) throws Exception {
        String text = Files.readString(lab.inventory());
        String marker = "          data_dir: " ;
        int at = text.indexOf("      " + host + ":\n");
        int line = text.indexOf(marker, at);
        int end = text.indexOf('\n', line) + 1;
        String out = text.substring(0, end) + "          bin_dir: '" + bin + "'\n" + text.substring(end);
        Path p = lab.dir().resolve("inventory-" + host + "-partial-bin.yaml");
        Files.writeString(p, out);
        return p;
    }

    static CliRunner.Result cli(Path inventory, String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "-i";
        all[1] = inventory.toString();
        all[2] = "--no-color";
        System.arraycopy(args, 0, all, 3, args.length);
        return CliRunner.run(all);
    }

    @Test
    void rebuild_is_refused_before_the_old_data_directory_is_moved_when_bin_dir_lacks_pg_basebackup() throws Exception {
        Path inv = inventoryWithBinDir("db3", partialBin);
        String before = ops.listing("db3");

        CliRunner.Result r = cli(inv, "rebuild", "db3", "--yes", "--confirm-host", "db3").expect(3);

        assertTrue(r.err().contains(partialBin.resolve("pg_basebackup") + " is missing"), r::toString);
        assertTrue(r.err().contains("postgres.bin_dir"), "the fix is named: " + r);
        assertFalse(r.err().contains("moved aside"), r::toString);
        assertEquals(before, ops.listing("db3"), "db3's data directory untouched");
        assertEquals("streaming " + lab.address("db1") + " 1", ops.receiver("db3"), "db3 still streams");
    }

    @Test
    void rebuild_is_refused_when_the_target_pg_basebackup_is_another_major_version() throws Exception {
        Path fake = partialBin.resolve("pg_basebackup");
        Files.writeString(fake, "#!/bin/sh\necho 'pg_basebackup (PostgreSQL) 14.9'\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        try {
            Path inv = inventoryWithBinDir("db3", partialBin);
            String before = ops.listing("db3");

            CliRunner.Result r = cli(inv, "rebuild", "db3", "--yes", "--confirm-host", "db3").expect(3);

            assertTrue(r.err().contains("pg_basebackup is pg_basebackup (PostgreSQL) 14.9, but db1 runs PostgreSQL 15"), r::toString);
            assertEquals(before, ops.listing("db3"));
        } finally {
            Files.delete(fake);
        }
    }

    @Test
    @Order(Integer.MAX_VALUE) // promotes db2 and stops db1 for good: after the tests that need db1 primary
    void failback_is_refused_before_the_rewind_when_bin_dir_lacks_pg_rewind() throws Exception {
        ops.promote("db2");
        ops.stop("db1", "fast");
        Path inv = inventoryWithBinDir("db1", partialBin);
        String before = ops.listing("db1");

        CliRunner.Result r = cli(inv, "failback", "db1", "--yes", "--confirm-host", "db1").expect(3);

        assertTrue(r.err().contains(partialBin.resolve("pg_rewind") + " is missing"), r::toString);
        assertEquals(before, ops.listing("db1"), "db1's data directory untouched");
        try (var s = Files.list(lab.dir().resolve("db1"))) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().contains("pgrunbook-")), "nothing saved or moved beside it");
        }
    }
}
