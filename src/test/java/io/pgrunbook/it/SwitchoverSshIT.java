package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Switchover and back over SSH: every command through sshd, PostgreSQL through tunnels whose target is stopped and
 * started in the middle of the procedure (a forward must survive a refused connection).
 */
class SwitchoverSshIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void switchover_and_back_over_ssh_tunnels() throws Exception {
        LabFixture lab = LabFixture.start("switchover-ssh", "127.0.73.11", true);
        try {
            String inv = lab.info().sshInventory().toString();
            CliRunner.Result r = CliRunner.run("-i", inv, "switchover", "--to", "db2", "--yes").expect(0);
            JsonNode s = JSON.readTree(CliRunner.run("-i", inv, "status", "-o", "json").expect(1).out());
            assertEquals("FAILOVER_STATE", s.get("verdict").asText(), s::toPrettyString);
            assertEquals("db2", LabState.host(s, "db1").get("upstream").asText(), r::toString);
            assertEquals("db2", LabState.host(s, "db3").get("upstream").asText(), s::toPrettyString);
            assertEquals("db2", LabState.host(s, "db1").get("pgbouncer_target").asText(), s::toPrettyString);
            CliRunner.run("-i", inv, "switchover", "--to", "db1", "--yes").expect(0);
            s = JSON.readTree(CliRunner.run("-i", inv, "status", "-o", "json").expect(0).out());
            assertEquals("HEALTHY", s.get("verdict").asText(), s::toPrettyString);
            assertEquals(3, LabState.host(s, "db1").get("timeline").asInt());
            assertTrue(s.get("notes").isEmpty(), s::toPrettyString);
        } finally {
            lab.stop();
        }
    }
}
