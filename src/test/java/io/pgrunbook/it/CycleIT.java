package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The night and the morning after, on one lab: the MASTER dies, failover to the SLAVE; the MASTER comes back and is
 * failed back with --switchover; the REPLICA, cut off by the failover, is repaired. The cluster ends HEALTHY.
 */
class CycleIT {
    @Test
    void failover_then_failback_with_switchover_then_repair_replica_ends_healthy() throws Exception {
        LabFixture lab = LabFixture.start("cycle", LabNets.CYCLE.base());
        try {
            String inv = lab.inventory().toString();
            String pid = Files.readAllLines(lab.dir().resolve("db1/data/postmaster.pid")).get(0).trim();
            assertEquals(0, new ProcessBuilder("kill", "-9", pid).start().waitFor());
            Thread.sleep(300);
            CliRunner.run("-i", inv, "failover", "--to", "db2", "--yes").expect(0);
            try (Connection c = lab.connect("db2", "app"); Statement st = c.createStatement()) {
                st.execute("INSERT INTO items(note) VALUES ('written in failover state')");
            }

            CliRunner.Result back = CliRunner.run("-i", inv, "failback", "db1", "--switchover", "--yes", "--confirm-host", "db1").expect(0);
            assertTrue(back.err().contains("switching the primary role back"), back::toString);
            // the REPLICA was fed from db1 before the failover: the switchover leaves it to repair-replica, and says so
            assertTrue(back.err().contains("run: pgrunbook repair-replica db4"), back::toString);
            JsonNode s = LabState.status(lab);
            assertEquals("db1", s.get("primary").asText(), s::toPrettyString);
            assertEquals("db1", LabState.host(s, "db2").get("upstream").asText(), s::toPrettyString);
            assertEquals("db1", LabState.host(s, "db3").get("upstream").asText(), s::toPrettyString);

            CliRunner.run("-i", inv, "repair-replica", "db4", "--yes", "--confirm-host", "db4").expect(0);
            s = LabState.status(lab);
            assertEquals("HEALTHY", s.get("verdict").asText(), s::toPrettyString);
            LabState.awaitRow(lab, "db4", "written in failover state");
            try (Connection c = lab.connect("db1", "app"); Statement st = c.createStatement()) {
                st.execute("INSERT INTO items(note) VALUES ('the morning after')");
            }
            for (String h : new String[]{"db2", "db3", "db4"}) {
                LabState.awaitRow(lab, h, "the morning after");
            }
        } finally {
            lab.stop();
        }
    }
}
