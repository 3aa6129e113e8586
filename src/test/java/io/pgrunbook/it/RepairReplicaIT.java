package io.pgrunbook.it;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** repair-replica on a real lab: after a failover the REPLICA's slot is gone with the old primary; a re-copy fixes it. */
class RepairReplicaIT {
    @Test
    void repair_replica_after_failover_resubscribes_to_the_new_primary_and_replicates_again() throws Exception {
        LabFixture lab = LabFixture.start("repair-replica", "127.0.63.11");
        try {
            LabOps ops = new LabOps(lab);
            ops.rowArrives("db1", "db4", "before failover");
            ops.promote("db2");
            ops.stop("db1", "fast");
            ops.exec("db2", "app", "INSERT INTO items(note) VALUES ('written on db2 before the repair')");

            CliRunner.Result r = CliRunner.run("-i", lab.inventory().toString(), "--no-color", "repair-replica", "db4", "--yes",
                    "--confirm-host", "db4").expect(0);

            assertTrue(r.err().contains("is MISSING"), "the lost slot is shown: " + r);
            assertTrue(r.err().contains("truncated"), r::toString);
            ops.rowArrives("db2", "db4", "after repair");
            assertEquals(ops.one("db2", "app", "SELECT count(*) FROM items"), ops.one("db4", "app", "SELECT count(*) FROM items"),
                    "db4 has exactly db2's rows after the re-copy");
            assertTrue(ops.one("db4", "app", "SELECT subconninfo FROM pg_subscription WHERE subname = 'app_sub'").contains("host=" + lab.address("db2")));
        } finally {
            lab.stop();
        }
    }
}
