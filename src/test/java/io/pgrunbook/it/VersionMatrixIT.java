package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgrunbook.lab.ServerBinaries;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The procedures on real servers of PostgreSQL 12, 13, 14, 16 and 17 (the other ITs run the system's 15), one small lab
 * at a time, from server binaries published to Maven Central ({@link PgVersions}). Each version proves: status
 * (HEALTHY, roles, timeline, lag), a paused replay seen by status, switchover and back, the rsync rebuild of the BCP,
 * and failover after kill -9 of the master. Not proven here for these versions: failback (pg_rewind: the test proves it
 * is refused before anything is touched) and the pg_basebackup rebuild, whose binaries the bundles lack; the standbys
 * are cold copies of the primary.
 */
class VersionMatrixIT {
    /** Every version pom.xml copies; {@code PGRUNBOOK_IT_PG_MAJORS=12,17} runs only those majors (a developer's shortcut). */
    static List<String> versions() {
        String only = System.getenv("PGRUNBOOK_IT_PG_MAJORS");
        if (only == null || only.isBlank()) {
            return PgVersions.versions();
        }
        List<String> majors = List.of(only.split(","));
        return PgVersions.versions().stream().filter(v -> majors.contains(v.substring(0, v.indexOf('.')))).toList();
    }

    @ParameterizedTest(name = "PostgreSQL {0}: status, paused replay, switchover and back, rsync rebuild, failover after kill -9,"
            + " failback refused (no pg_rewind of that major; no pg_basebackup either)")
    @MethodSource("versions")
    void status_switchover_rebuild_and_failover_work_on_this_major(String version) throws Exception {
        int major = Integer.parseInt(version.substring(0, version.indexOf('.')));
        ServerBinaries bin = PgVersions.binaries(version);
        String base = LabNets.VERSION_MATRIX.base(PgVersions.versions().indexOf(version));
        Map<String, Long> took = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        LabFixture lab = LabFixture.start("pg" + major, base, false, bin);
        took.put("lab up", ms(t0));
        LabOps ops = new LabOps(lab);
        try {
            for (String h : List.of("db1", "db2", "db3", "db4")) {
                assertEquals(String.valueOf(major), ops.one(h, "postgres", "SELECT current_setting('server_version_num')::int / 10000"),
                        h + " runs the bundle's server");
            }

            long t = System.nanoTime();
            JsonNode s = awaitStatus(lab, "HEALTHY", "db1", st -> lag(st, "db2") == 0 && lag(st, "db3") == 0);
            assertEquals(1, LabState.host(s, "db1").get("timeline").asInt(), s::toPrettyString);
            for (String h : List.of("db2", "db3")) {
                JsonNode n = LabState.host(s, h);
                assertEquals("standby", n.get("state").asText(), s::toPrettyString);
                assertEquals("db1", n.get("upstream").asText(), s::toPrettyString);
                assertEquals(1, n.get("timeline").asInt(), s::toPrettyString);
                assertFalse(n.get("replay_paused").asBoolean(), s::toPrettyString);
            }
            assertEquals("logical", LabState.host(s, "db4").get("state").asText(), s::toPrettyString);
            took.put("status", ms(t));

            // how a paused replay is asked differs from 14 on (pg_get_wal_replay_pause_state)
            t = System.nanoTime();
            ops.exec("db3", "postgres", "SELECT pg_wal_replay_pause()");
            s = awaitStatus(lab, "DEGRADED", "db1", st -> LabState.host(st, "db3").get("replay_paused").asBoolean());
            ops.exec("db3", "postgres", "SELECT pg_wal_replay_resume()");
            awaitStatus(lab, "HEALTHY", "db1", st -> !LabState.host(st, "db3").get("replay_paused").asBoolean());
            took.put("paused replay", ms(t));

            t = System.nanoTime();
            ops.exec("db1", "app", "INSERT INTO items(note) VALUES ('before-switchover')");
            cli(lab, "switchover", "--to", "db2", "--yes").expect(0);
            s = awaitStatus(lab, "FAILOVER_STATE", "db2", st -> "db2".equals(LabState.host(st, "db1").get("upstream").asText()));
            assertEquals(2, LabState.host(s, "db2").get("timeline").asInt(), s::toPrettyString);
            assertEquals("1", ops.one("db2", "app", "SELECT count(*) FROM items WHERE note = 'before-switchover'"), "nothing lost");
            ops.rowArrives("db2", "db3", "on-db2");
            took.put("switchover to db2", ms(t));

            t = System.nanoTime();
            cli(lab, "switchover", "--to", "db1", "--yes").expect(0);
            s = awaitStatus(lab, "HEALTHY", "db1", st -> lag(st, "db2") == 0 && lag(st, "db3") == 0);
            assertEquals(3, LabState.host(s, "db1").get("timeline").asInt(), s::toPrettyString);
            ops.rowArrives("db1", "db2", "back-on-db1");
            took.put("switchover back", ms(t));

            // pg_start_backup(.., false) before 15, pg_backup_start from 15: one session held for the copy
            t = System.nanoTime();
            CliRunner.Result rb = cli(lab, "rebuild", "db3", "--method", "rsync", "--yes", "--confirm-host", "db3").expect(0);
            assertFalse(Files.exists(ops.data("db3").resolve("backup_label")), "backup_label consumed by recovery: " + rb);
            ops.rowArrives("db1", "db3", "after-rebuild");
            awaitStatus(lab, "HEALTHY", "db1", st -> "db1".equals(LabState.host(st, "db3").get("upstream").asText()));
            took.put("rsync rebuild of db3", ms(t));

            t = System.nanoTime();
            kill9(lab, "db1");
            cli(lab, "failover", "--to", "db2", "--yes").expect(0);
            s = awaitStatus(lab, null, "db2", st -> "db2".equals(LabState.host(st, "db3").get("upstream").asText()));
            assertEquals(4, LabState.host(s, "db2").get("timeline").asInt(), s::toPrettyString);
            assertEquals("down", LabState.host(s, "db1").get("state").asText(), s::toPrettyString);
            assertEquals("1", ops.one("db2", "app", "SELECT count(*) FROM items WHERE note = 'after-rebuild'"));
            ops.rowArrives("db2", "db3", "after-failover");
            took.put("failover after kill -9", ms(t));

            // no pg_rewind of this major: failback is refused before anything is touched
            t = System.nanoTime();
            String before = ops.listing("db1");
            CliRunner.Result fb = cli(lab, "failback", "db1", "--yes", "--confirm-host", "db1").expect(3);
            assertTrue(fb.err().contains("pg_rewind is missing"), fb::toString);
            assertEquals(before, ops.listing("db1"), "db1's data directory untouched");
            took.put("failback refused", ms(t));
        } finally {
            long t = System.nanoTime();
            lab.stop();
            took.put("lab down", ms(t));
            System.err.printf("[versions] PostgreSQL %s: %s; total %.1f s (failback by pg_rewind and the pg_basebackup rebuild not"
                    + " run: no pg_rewind or pg_basebackup %d in the bundle)%n", version, took, ms(t0) / 1000.0, major);
        }
    }

    /** The last CLI run, shown when a status wait fails after it. */
    private static CliRunner.Result lastRun;

    private static CliRunner.Result cli(LabFixture lab, String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "-i";
        all[1] = lab.inventory().toString();
        all[2] = "--no-color";
        System.arraycopy(args, 0, all, 3, args.length);
        lastRun = CliRunner.run(all);
        return lastRun;
    }

    private static long lag(JsonNode status, String host) {
        JsonNode l = LabState.host(status, host).get("lag_bytes");
        return l == null || l.isNull() ? -1 : l.asLong();
    }

    /** Polls status until its verdict (any when null) and primary are these and {@code also} holds; the last one otherwise. */
    private static JsonNode awaitStatus(LabFixture lab, String verdict, String primary, Predicate<JsonNode> also) throws Exception {
        return awaitStatus(lab, verdict, primary, also, 30);
    }

    private static JsonNode awaitStatus(LabFixture lab, String verdict, String primary, Predicate<JsonNode> also, int seconds)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        JsonNode s = null;
        while (System.nanoTime() < deadline) {
            s = LabState.status(lab);
            if ((verdict == null || verdict.equals(s.get("verdict").asText())) && primary.equals(s.get("primary").asText())
                    && also.test(s)) {
                return s;
            }
            Thread.sleep(300);
        }
        throw new AssertionError("status did not reach " + (verdict == null ? "" : verdict + ", ") + "primary " + primary
                + " within " + seconds + " s: " + (s == null ? "no status" : s.toPrettyString()) + "\ndb4's log ends:\n" + tail(lab, "db4")
                + "\n" + primary + "'s log ends:\n" + tail(lab, primary) + "\nlast run: " + lastRun);
    }

    private static String tail(LabFixture lab, String host) {
        try {
            List<String> lines = Files.readAllLines(lab.dir().resolve(host).resolve("postgresql.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (java.io.IOException | RuntimeException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static void kill9(LabFixture lab, String host) throws Exception {
        String pid = Files.readAllLines(lab.dir().resolve(host).resolve("data").resolve("postmaster.pid")).get(0).trim();
        Process p = new ProcessBuilder("kill", "-9", pid).inheritIO().start();
        assertEquals(0, p.waitFor(), "kill -9 " + pid);
        Thread.sleep(300);
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
