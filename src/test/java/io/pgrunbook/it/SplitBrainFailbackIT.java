package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * failback of the MASTER while it still runs as a primary beside a SLAVE promoted behind the tool's back: the SLAVE
 * wins; the MASTER is stopped first as a destructive step, its diverged WAL saved and reported, and it rejoins.
 */
class SplitBrainFailbackIT {
    @Test
    void failback_of_a_master_still_running_beside_the_promoted_slave_stops_it_as_a_destructive_step_then_rejoins_it() throws Exception {
        LabFixture lab = LabFixture.start("split-failback", LabNets.SPLIT_BRAIN_FAILBACK.base());
        try {
            LabOps ops = new LabOps(lab);
            String inv = lab.inventory().toString();
            ops.promote("db2");
            ops.exec("db2", "app", "INSERT INTO items(note) VALUES ('on db2 after promotion')");
            ops.exec("db1", "app", "INSERT INTO items(note) SELECT 'lost on db1 ' || g FROM generate_series(1, 200) g");
            assertEquals("SPLIT_BRAIN", LabState.status(lab).get("verdict").asText());

            // --yes alone does not confirm stopping a running primary; nothing is touched
            CliRunner.Result unconfirmed = CliRunner.run("-i", inv, "--no-color", "failback", "db1", "--yes").expect(64);
            assertTrue(unconfirmed.err().contains("--confirm-host db1"), unconfirmed::toString);
            // the next: line repeats the operator's own -i INVENTORY.yaml; a runbook's file is never named
            assertFalse(unconfirmed.err().contains("runbooks/") || unconfirmed.err().contains("failback.yaml"), "no runbook path: " + unconfirmed);
            assertEquals("f", ops.one("db1", "postgres", "SELECT pg_is_in_recovery()"), "db1 still runs as a primary");

            CliRunner.Result r = CliRunner.run("-i", inv, "--no-color", "failback", "db1", "--yes", "--confirm-host", "db1").expect(0);
            assertTrue(r.err().contains("the SLAVE wins"), r::toString);
            assertTrue(r.err().contains("[DESTRUCTIVE]") && r.err().contains("Stop the old master"), r::toString);
            assertTrue(r.err().matches("(?s).*diverged WAL: [1-9]\\d* bytes.*"), r::toString);
            assertFalse(r.err().contains("needs the one live primary"), r::toString);

            assertEquals("streaming " + lab.address("db2") + " 2", ops.receiver("db1"), r::toString);
            assertEquals("0", ops.one("db1", "app", "SELECT count(*) FROM items WHERE note LIKE 'lost on db1%'"));
            JsonNode s = LabState.status(lab);
            assertEquals("db2", s.get("primary").asText(), s::toPrettyString);
            assertEquals(1, s.get("hosts").findValues("state").stream().filter(n -> n.asText().equals("primary")).count(), s::toPrettyString);
            assertEquals("db2", LabState.host(s, "db1").get("pgbouncer_target").asText(), s::toPrettyString);
            ops.rowArrives("db2", "db1", "after the split-brain failback");
        } finally {
            lab.stop();
        }
    }
}
