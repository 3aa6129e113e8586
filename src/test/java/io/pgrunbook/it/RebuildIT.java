package io.pgrunbook.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * rebuild on a real lab: a running primary is refused whatever the flags, and a BCP whose data directory was damaged
 * is rebuilt by pg_basebackup and by rsync, streams again and sees new rows, with its own configuration kept.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RebuildIT {
    private static LabFixture lab;
    private static LabOps ops;

    @BeforeAll
    static void up() {
        lab = LabFixture.start("rebuild", LabNets.REBUILD.base());
        ops = new LabOps(lab);
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    private static CliRunner.Result cli(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "-i";
        all[1] = lab.inventory().toString();
        all[2] = "--no-color";
        System.arraycopy(args, 0, all, 3, args.length);
        return CliRunner.run(all);
    }

    @Test
    @Order(1)
    void rebuild_refuses_the_running_primary_whatever_the_flags_and_touches_nothing() throws Exception {
        String before = ops.listing("db1");
        for (String method : new String[]{"basebackup", "rsync"}) {
            CliRunner.Result r = cli("rebuild", "db1", "--from", "db2", "--method", method, "--discard-old", "--yes",
                    "--confirm-host", "db1", "--break-lock").expect(3);
            assertTrue(r.err().contains("db1 is the live primary"), r::toString);
        }
        cli("run", "rebuild", "--param", "target=db1", "--param", "from=db2", "--yes", "--confirm-host", "db1").expect(3);
        assertEquals(before, ops.listing("db1"));
        assertEquals("f", ops.one("db1", "postgres", "SELECT pg_is_in_recovery()"));
    }

    @Test
    @Order(2)
    void dry_run_of_a_rebuild_shows_the_plan_and_changes_nothing() throws Exception {
        String before = ops.listing("db3");
        CliRunner.Result r = cli("rebuild", "db3", "--dry-run").expect(0);
        assertTrue(r.out().contains("pg_basebackup"), r::toString);
        assertEquals(before, ops.listing("db3"));
    }

    @Test
    @Order(3)
    void rebuild_by_basebackup_of_a_bcp_without_pg_control_streams_again_with_its_own_config() throws Exception {
        Map<String, String> conf = ops.configSums("db3");
        ops.stop("db3", "fast");
        Files.delete(ops.data("db3").resolve("global").resolve("pg_control"));

        CliRunner.Result r = cli("rebuild", "db3", "--yes", "--confirm-host", "db3").expect(0);

        assertEquals("streaming " + lab.address("db1") + " 1", ops.receiver("db3"), r::toString);
        assertEquals(conf, ops.configSums("db3"), "db3's own configuration files");
        assertTrue(r.err().contains("copied "), "pg_basebackup progress shown: " + r);
        try (Stream<Path> s = Files.list(lab.dir().resolve("db3"))) {
            assertTrue(s.anyMatch(p -> p.getFileName().toString().startsWith("data.pgrunbook-old-")), "old data kept");
        }
        ops.rowArrives("db1", "db3", "after basebackup rebuild");
    }

    @Test
    @Order(4)
    void rebuild_by_rsync_of_a_bcp_without_base_streams_again_and_discards_the_old_copy() throws Exception {
        Map<String, String> conf = ops.configSums("db3");
        ops.exec("db1", "app", "INSERT INTO items(note) SELECT 'bulk ' || g FROM generate_series(1, 20000) g");
        ops.stop("db3", "fast");
        deleteTree(ops.data("db3").resolve("base"));

        CliRunner.Result r = cli("rebuild", "db3", "--method", "rsync", "--discard-old", "--yes", "--confirm-host", "db3").expect(0);

        assertEquals("streaming " + lab.address("db1") + " 1", ops.receiver("db3"), r::toString);
        assertEquals(conf, ops.configSums("db3"), "db3's own configuration files");
        assertTrue(r.err().contains("backup mode ended"), r::toString);
        assertEquals(ops.one("db1", "app", "SELECT count(*) FROM items"), ops.one("db3", "app", "SELECT count(*) FROM items"));
        try (Stream<Path> s = Files.list(lab.dir().resolve("db3"))) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().startsWith("data.pgrunbook-old-")), "old data discarded");
        }
        ops.rowArrives("db1", "db3", "after rsync rebuild");
    }

    static void deleteTree(Path p) throws Exception {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
