package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * remedy and repair on real labs: a MASTER coming back in normal state, in failover state and in split brain; repair
 * choosing failback, a start, repair-replica, or nothing.
 */
class RemedyIT {
    private static CliRunner.Result cli(LabFixture lab, String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "-i";
        all[1] = lab.inventory().toString();
        all[2] = "--no-color";
        System.arraycopy(args, 0, all, 3, args.length);
        CliRunner.Result r = CliRunner.run(all);
        System.err.println("[remedy-it] pgrunbook " + String.join(" ", args) + " -> exit " + r.code() + " in " + r.millis() + " ms\n" + r.err() + r.out());
        return r;
    }

    /** A host's PgBouncer is stopped (as by a reboot) and its config left leading to {@code stale}. */
    private static void pgbouncerDownPointingAt(LabFixture lab, String host, String stale) throws Exception {
        Path dir = lab.dir().resolve(host);
        Path pidFile = dir.resolve("pgbouncer.pid");
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        LabOps.await("PgBouncer on " + host + " gone (pidfile removed)", Duration.ofSeconds(15), () -> !Files.exists(pidFile));
        Path ini = dir.resolve("pgbouncer.ini");
        String text = Files.readString(ini).replaceAll("host=\\S+ port=", "host=" + lab.address(stale) + " port=");
        Files.writeString(ini, text);
    }

    private static JsonNode awaitVerdict(LabFixture lab, String verdict) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode s = LabState.status(lab);
        while (!verdict.equals(s.get("verdict").asText()) && System.nanoTime() < deadline) {
            Thread.sleep(500);
            s = LabState.status(lab);
        }
        assertEquals(verdict, s.get("verdict").asText(), s.toPrettyString());
        return s;
    }

    private static String subEnabled(LabOps ops) throws Exception {
        return ops.one("db4", "app", "SELECT subenabled::text FROM pg_subscription WHERE subname = 'app_sub'");
    }

    @Test
    void remedy_after_master_restart_in_normal_state_starts_it_as_primary_with_feed_and_its_pgbouncer_then_repair_fixes_each_role() throws Exception {
        LabFixture lab = LabFixture.start("remedy-normal", LabNets.REMEDY_NORMAL.base());
        try {
            LabOps ops = new LabOps(lab);
            ops.stop("db1", "fast");
            pgbouncerDownPointingAt(lab, "db1", "db2");
            ops.exec("db4", "app", "ALTER SUBSCRIPTION app_sub DISABLE");

            CliRunner.Result r = cli(lab, "remedy", "db1", "--yes").expect(0);
            assertTrue(r.err().contains("  > | active  | standby (normal)"), r::toString);
            assertTrue(r.err().contains("db1 (MASTER) is active: down, no standby.signal"), r::toString);
            assertTrue(r.err().contains("PgBouncer started"), r::toString);

            JsonNode s = awaitVerdict(lab, "HEALTHY");
            assertEquals("db1", s.get("primary").asText());
            assertEquals("db1", LabState.host(s, "db1").get("pgbouncer_target").asText(), s::toPrettyString);
            assertEquals("true", subEnabled(ops), "the logical feed is started");
            ops.exec("db1", "app", "INSERT INTO items(note) VALUES ('after remedy')");
            LabState.awaitRow(lab, "db4", "after remedy");

            // repair on each role of this lab
            CliRunner.Result healthy = cli(lab, "repair", "db2", "--yes").expect(0);
            assertTrue(healthy.out().contains("db2: nothing to do"), healthy::toString);

            ops.stop("db3", "fast");
            CliRunner.Result bcp = cli(lab, "repair", "db3", "--yes").expect(0);
            assertTrue(bcp.err().contains("repair db3: remedy, because db3 (BCP) is a standby that is just stopped"), bcp::toString);
            LabOps.await("db3 streaming", Duration.ofSeconds(60), () -> {
                try {
                    return ("streaming " + lab.address("db1") + " 1").equals(ops.receiver("db3"));
                } catch (Exception e) {
                    return false;
                }
            });

            ops.stop("db2", "fast");
            CliRunner.Result slave = cli(lab, "repair", "db2", "--yes").expect(0);
            assertTrue(slave.err().contains("repair db2: remedy"), slave::toString);
            assertTrue(slave.err().contains("  > | standby | active (normal)"), slave::toString);

            ops.exec("db4", "app", "ALTER SUBSCRIPTION app_sub DISABLE");
            CliRunner.Result rep = cli(lab, "repair", "db4", "--yes", "--confirm-host", "db4").expect(0);
            assertTrue(rep.err().contains("repair db4: repair-replica, because db4 (REPLICA) subscription app_sub is disabled"), rep::toString);
            assertEquals("true", subEnabled(ops));
            ops.exec("db1", "app", "INSERT INTO items(note) VALUES ('after repair-replica')");
            LabState.awaitRow(lab, "db4", "after repair-replica");
            awaitVerdict(lab, "HEALTHY");
        } finally {
            lab.stop();
        }
    }

    @Test
    void repair_of_master_after_failover_fails_it_back_then_remedy_after_its_restart_starts_it_as_standby_pgbouncer_to_slave_feed_untouched() throws Exception {
        LabFixture lab = LabFixture.start("remedy-failover", LabNets.REMEDY_FAILOVER.base());
        try {
            LabOps ops = new LabOps(lab);
            ops.stop("db1", "fast");
            cli(lab, "failover", "--to", "db2", "--yes").expect(0);

            CliRunner.Result fb = cli(lab, "repair", "db1", "--yes", "--confirm-host", "db1").expect(0);
            assertTrue(fb.err().contains("repair db1: failback, because db1 (MASTER) is down and configured as a primary"), fb::toString);
            assertEquals("streaming " + lab.address("db2") + " 2", ops.receiver("db1"), fb::toString);

            // db1 "reboots": database and PgBouncer down, its PgBouncer config stale
            ops.stop("db1", "fast");
            pgbouncerDownPointingAt(lab, "db1", "db1");
            ops.exec("db4", "app", "ALTER SUBSCRIPTION app_sub DISABLE");

            CliRunner.Result r = cli(lab, "remedy", "db1", "--yes").expect(0);
            assertTrue(r.err().contains("  > | standby | active (normal failover)"), r::toString);
            assertTrue(r.err().contains("db1 (MASTER) is standby: down, standby.signal in its data directory"), r::toString);
            LabOps.await("db1 streaming from db2", Duration.ofSeconds(60), () -> {
                try {
                    return ("streaming " + lab.address("db2") + " 2").equals(ops.receiver("db1"));
                } catch (Exception e) {
                    return false;
                }
            });
            JsonNode s = awaitVerdict(lab, "FAILOVER_STATE");
            assertEquals("standby", LabState.host(s, "db1").get("state").asText(), s::toPrettyString);
            assertEquals("db2", LabState.host(s, "db1").get("pgbouncer_target").asText(), "PgBouncer on db1 points to the slave: " + s.toPrettyString());
            assertEquals("false", subEnabled(ops), "the feed is not started by this row");

            CliRunner.Result nothing = cli(lab, "repair", "db1").expect(0);
            assertTrue(nothing.out().contains("db1: nothing to do"), nothing::toString);
            assertTrue(nothing.err().contains("switchover --to db1"), nothing::toString);
        } finally {
            lab.stop();
        }
    }

    @Test
    void remedy_in_split_brain_refuses_to_start_the_master_exit_3_with_failback_hint() throws Exception {
        LabFixture lab = LabFixture.start("remedy-split", LabNets.REMEDY_SPLIT.base());
        try {
            LabOps ops = new LabOps(lab);
            ops.stop("db1", "fast");
            ops.promote("db2");
            assertFalse(Files.exists(ops.data("db1").resolve("standby.signal")));

            CliRunner.Result dry = cli(lab, "remedy", "db1", "--dry-run").expect(3);
            assertTrue(dry.out().contains("pgbouncer.ini") || dry.err().contains("pgbouncer.ini"), dry::toString);
            assertTrue(dry.err().contains("pgrunbook failback db1"), dry::toString);

            CliRunner.Result r = cli(lab, "remedy", "db1", "--yes").expect(3);
            assertTrue(r.err().contains("  > | active  | active (split brain)         | NO  | no   | slave"), r::toString);
            assertTrue(r.err().contains("SPLIT BRAIN") && r.err().contains("NOT started"), r::toString);
            assertTrue(r.err().contains("pgrunbook failback db1"), r::toString);
            JsonNode s = LabState.status(lab);
            assertEquals("down", LabState.host(s, "db1").get("state").asText(), "db1's database stays down: " + s.toPrettyString());
            assertEquals("db2", LabState.host(s, "db1").get("pgbouncer_target").asText(), "PgBouncer on db1 points to the slave: " + s.toPrettyString());
        } finally {
            lab.stop();
        }
    }

    @Test
    void repair_of_master_whose_rewind_is_impossible_falls_back_to_a_rebuild_and_streams_from_the_new_primary() throws Exception {
        LabFixture lab = LabFixture.start("repair-rebuild", LabNets.REPAIR_REBUILD.base());
        try {
            LabOps ops = new LabOps(lab);
            ops.stop("db1", "fast");
            cli(lab, "failover", "--to", "db2", "--yes").expect(0);
            // a broken data directory: pg_control unreadable, so neither pg_controldata nor pg_rewind can use it
            Files.write(ops.data("db1").resolve("global").resolve("pg_control"), new byte[0]);

            CliRunner.Result r = cli(lab, "repair", "db1", "--yes", "--confirm-host", "db1").expect(0);
            assertTrue(r.err().contains("repair db1: failback"), r::toString);
            assertTrue(r.err().contains("falling back to a rebuild from db2"), r::toString);
            assertEquals("streaming " + lab.address("db2") + " 2", ops.receiver("db1"), r::toString);
            ops.rowArrives("db2", "db1", "after repair by rebuild");
        } finally {
            lab.stop();
        }
    }
}
