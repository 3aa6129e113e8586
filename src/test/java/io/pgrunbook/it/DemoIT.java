package io.pgrunbook.it;

import io.pgrunbook.lab.Lab;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code pgrunbook demo} end to end, as a newcomer runs it: a fresh lab, every part, the cluster HEALTHY at the end. */
class DemoIT {
    @Test
    void demo_builds_a_lab_runs_every_part_and_ends_healthy_with_what_to_try_next() throws Exception {
        LabFixture.assumeLabAvailable();
        Path parent = Files.createTempDirectory("pgrunbook-demo-");
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path dir = parent.resolve("pglab");
        String base = LabFixture.relocate(LabNets.DEMO.base());
        try {
            CliRunner.Result r = CliRunner.run("--no-color", "demo", "--dir", dir.toString(), "--base-address", base);
            System.err.println("[demo] " + r.millis() + " ms");
            r.expect(0);
            String inv = "-i " + dir.resolve("inventory.yaml");
            String[] parts = {
                "$ pgrunbook lab up --dir " + dir + " --base-address " + base,
                "$ pgrunbook " + inv + " status",
                "$ pgrunbook " + inv + " switchover --to db2 --dry-run",
                "$ pgrunbook " + inv + " drill switchover --to db2 --yes",
                "drill switchover on lab: ok; RTO ",
                "$ pgrunbook " + inv + " switchover --to db1 --yes",
                "$ pgrunbook " + inv + " drill failover --to db2 --yes",
                "drill failover on lab: ok; RTO ",
                "$ pgrunbook " + inv + " failback db1 --switchover --yes --confirm-host db1",
                "$ pgrunbook " + inv + " repair-replica db4 --yes --confirm-host db4",
                "$ pgrunbook " + inv + " smoke",
                "$ pgrunbook " + inv + " status",
                "Try by hand",
                "Remove the lab: pgrunbook lab down --dir " + dir};
            int at = 0;
            for (String p : parts) {
                int i = r.out().indexOf(p, at);
                assertTrue(i >= 0, "missing, or out of order: " + p + "\n" + r);
                at = i;
            }
            assertEquals(2, r.out().split("RPO 0 acknowledged commits lost", -1).length - 1, r::toString);
            String end = r.out().substring(r.out().lastIndexOf("$ pgrunbook " + inv + " status"));
            assertTrue(end.contains("Verdict: HEALTHY"), r::toString);
        } finally {
            if (Files.exists(dir)) {
                Lab.down(dir, line -> System.err.println("[demo] " + line));
            }
        }
    }
}
