package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Operators' mistakes refused on a real lab before anything changes, in one story: a failover on a healthy cluster, a
 * switchover with the REPLICA's worker stopped, a switchover leaving it, a wrong --from, and a failover with the
 * switched-over primary stopped, which must fence that node and never its own target.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MistakesIT {
    private static LabFixture lab;
    private static LabOps ops;

    @BeforeAll
    static void up() {
        lab = LabFixture.start("mistakes", LabNets.MISTAKES.base());
        ops = new LabOps(lab);
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    private static CliRunner.Result cli(String... args) {
        List<String> all = new ArrayList<>(List.of("-i", lab.inventory().toString(), "--no-color"));
        all.addAll(List.of(args));
        CliRunner.Result r = CliRunner.run(all.toArray(String[]::new));
        // the operator's view of each attempt, in the test log: what was refused or fenced, and why
        r.err().lines().filter(l -> l.contains("FAILED") || l.contains("refused") || l.contains("fence-target")
                        || l.contains("(fenced)") || l.contains("repair-replica"))
                .forEach(l -> System.err.println("[mistakes] " + String.join(" ", args) + " -> exit " + r.code() + ": " + l.strip()));
        return r;
    }

    /** What a refused command must leave as it was: verdict, primary, and each host's state, upstream, PgBouncer. */
    static String shape(JsonNode s) {
        StringBuilder b = new StringBuilder(s.get("verdict").asText()).append(" primary=").append(s.get("primary").asText());
        for (JsonNode h : s.get("hosts")) {
            b.append(" | ").append(h.get("name").asText()).append(' ').append(h.get("state").asText())
                    .append(" up=").append(h.path("upstream").asText()).append(" pgb=").append(h.path("pgbouncer_target").asText());
        }
        return b.toString();
    }

    private static long primaries(JsonNode s) {
        return s.get("hosts").findValues("state").stream().filter(n -> n.asText().equals("primary")).count();
    }

    @Test
    @Order(1)
    void failover_on_a_healthy_cluster_is_refused_naming_switchover_and_changes_nothing() throws Exception {
        JsonNode before = LabState.status(lab);
        assertEquals("HEALTHY", before.get("verdict").asText(), before::toPrettyString);
        CliRunner.Result r = cli("failover", "--to", "db2", "--yes").expect(3);
        assertTrue(r.err().contains("db1 is a healthy live primary"), r::toString);
        assertTrue(r.err().contains("pgrunbook switchover --to db2"), r::toString);
        assertTrue(r.err().contains("--primary-is-healthy db1"), r::toString);
        assertFalse(r.err().contains("Step 1:"), "refused before step 1: " + r);
        assertEquals(shape(before), shape(LabState.status(lab)));
    }

    @Test
    @Order(2)
    void switchover_with_the_replica_worker_stopped_is_refused_before_any_pause() throws Exception {
        ops.exec("db4", "app", "ALTER SUBSCRIPTION app_sub DISABLE");
        JsonNode before = LabState.status(lab);
        CliRunner.Result r = cli("switchover", "--to", "db2", "--yes").expect(3);
        assertTrue(r.err().contains("FAILED replica-feed") && r.err().contains("db4 (REPLICA): subscription app_sub is disabled"), r::toString);
        assertTrue(r.err().contains("pgrunbook repair-replica db4") && r.err().contains("switchover --leave-replica"), r::toString);
        assertFalse(r.err().contains("Step 1:") || r.err().contains("PAUSE"), "nothing ran, nothing was paused: " + r);
        JsonNode after = LabState.status(lab);
        assertEquals(shape(before), shape(after));
        assertFalse(after.toString().contains("(paused)"), after::toPrettyString);
    }

    @Test
    @Order(3)
    void switchover_leaving_the_replica_skips_its_steps_and_names_repair_replica() throws Exception {
        CliRunner.Result r = cli("switchover", "--to", "db2", "--leave-replica", "--yes").expect(0);
        assertTrue(r.err().contains("run: pgrunbook repair-replica db4") || r.err().contains("Run: pgrunbook repair-replica db4"), r::toString);
        assertFalse(r.err().contains("subscriptions did not confirm"), r::toString);
        JsonNode s = LabState.status(lab);
        assertEquals("db2", s.get("primary").asText(), s::toPrettyString);
        assertEquals("db2", LabState.host(s, "db1").get("upstream").asText(), s::toPrettyString);
    }

    @Test
    @Order(4)
    void failover_from_a_standby_while_another_node_is_primary_is_refused_naming_the_real_primary() throws Exception {
        JsonNode before = LabState.status(lab);
        CliRunner.Result r = cli("failover", "--to", "db1", "--from", "db3", "--yes").expect(3);
        assertTrue(r.err().contains("FAILED fence-target on db3") && r.err().contains("the live primary is db2"), r::toString);
        assertTrue(r.err().contains("--from db2"), r::toString);
        assertFalse(r.err().contains("Step 1:"), r::toString);
        assertEquals(shape(before), shape(LabState.status(lab)));
        CliRunner.Result dry = cli("failover", "--to", "db1", "--from", "db3", "--dry-run").expect(3);
        assertTrue((dry.out() + dry.err()).contains("fence-target"), "the dry-run shows the check: " + dry);
    }

    @Test
    @Order(5)
    void failover_from_its_own_target_is_refused() throws Exception {
        JsonNode before = LabState.status(lab);
        CliRunner.Result r = cli("failover", "--to", "db1", "--from", "db1", "--yes", "--primary-is-healthy", "db2").expect(3);
        assertTrue(r.err().contains("db1 is the failover target") && r.err().contains("the live primary is db2"), r::toString);
        assertEquals(shape(before), shape(LabState.status(lab)));
    }

    @Test
    @Order(6)
    void failover_to_the_master_with_the_switched_over_primary_stopped_fences_that_node_not_the_target() throws Exception {
        ops.stop("db2", "fast");
        CliRunner.Result r = cli("failover", "--to", "db1", "--yes").expect(0);
        assertTrue(r.err().contains("fence-target on db2: db2 is fenced"), r::toString);
        assertTrue(r.err().contains("db2: PostgreSQL is not running (fenced)"), r::toString);
        assertFalse(r.err().contains("db1: PostgreSQL stopped (fenced)"), r::toString);
        assertTrue(r.err().contains("pgrunbook repair-replica db4"), "the REPLICA note names the host: " + r);
        JsonNode s = LabState.status(lab);
        assertEquals("db1", s.get("primary").asText(), s::toPrettyString);
        assertEquals(1, primaries(s), s::toPrettyString);
        assertEquals("down", LabState.host(s, "db2").get("state").asText(), s::toPrettyString);
        ops.rowArrives("db1", "db3", "after the failover to db1");
    }

    @Test
    @Order(7)
    void failover_away_from_a_healthy_primary_goes_ahead_when_the_operator_names_it() throws Exception {
        cli("failover", "--to", "db3", "--yes").expect(3);
        CliRunner.Result r = cli("failover", "--to", "db3", "--primary-is-healthy", "db1", "--yes").expect(0);
        assertTrue(r.err().contains("the operator named it to fail over anyway"), r::toString);
        JsonNode s = LabState.status(lab);
        assertEquals("db3", s.get("primary").asText(), s::toPrettyString);
        assertEquals(1, primaries(s), s::toPrettyString);
        assertEquals("down", LabState.host(s, "db1").get("state").asText(), s::toPrettyString);
    }
}
