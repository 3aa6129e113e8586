package io.pgrunbook.it;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * failback on a real lab: after a failover where the old master went on taking writes (split brain), it rejoins as a
 * streaming standby of the new primary on the new timeline, with its own configuration and the diverged WAL kept.
 */
class FailbackIT {
    private static final Pattern DIVERGED = Pattern.compile("diverged WAL: (\\d+) bytes .*?saved in (\\S+)");

    private static void failbackAfterSplitBrain(String name, String base, String stopMode, boolean pause) throws Exception {
        LabFixture lab = LabFixture.start(name, base);
        try {
            LabOps ops = new LabOps(lab);
            Map<String, String> conf = ops.configSums("db1");
            ops.exec("db1", "app", "INSERT INTO items(note) VALUES ('before failover')");
            ops.promote("db2");
            // split brain: both take writes
            ops.exec("db2", "app", "INSERT INTO items(note) VALUES ('on db2 after promotion')");
            ops.exec("db1", "app", "INSERT INTO items(note) SELECT 'lost on db1 ' || g FROM generate_series(1, 500) g");
            if (pause) {
                Thread.sleep(1500);
            }
            ops.stop("db1", stopMode);

            CliRunner.Result r = CliRunner.run("-i", lab.inventory().toString(), "--no-color", "failback", "db1", "--yes",
                    "--confirm-host", "db1").expect(0);

            assertEquals("streaming " + lab.address("db2") + " 2", ops.receiver("db1"), r::toString);
            assertEquals(conf, ops.configSums("db1"), "db1's own configuration files after the rewind");
            Matcher m = DIVERGED.matcher(r.err());
            assertTrue(m.find(), r::toString);
            assertTrue(Long.parseLong(m.group(1)) > 0, r::toString);
            Path saved = Path.of(m.group(2));
            assertTrue(Files.isDirectory(saved), saved + " " + r);
            assertTrue(Files.exists(saved.resolve("summary.txt")), r::toString);
            try (var files = Files.list(saved)) {
                assertTrue(files.anyMatch(p -> p.getFileName().toString().matches("00000001[0-9A-F]{16}")), "a WAL segment of timeline 1 kept in " + saved);
            }
            assertTrue(r.err().contains("fork point"), r::toString);
            assertEquals("0", ops.one("db1", "app", "SELECT count(*) FROM items WHERE note LIKE 'lost on db1%'"), "the split-brain rows are rewound away");
            ops.rowArrives("db2", "db1", "after failback " + name);
        } finally {
            lab.stop();
        }
    }

    @Test
    void failback_after_split_brain_and_a_crash_streams_from_the_new_primary_with_own_config_and_diverged_wal_kept() throws Exception {
        failbackAfterSplitBrain("failback-crash", LabNets.FAILBACK_CRASH.base(), "immediate", true);
    }

    @Test
    void failback_right_after_promotion_checkpoints_the_new_primary_itself() throws Exception {
        failbackAfterSplitBrain("failback-fresh", LabNets.FAILBACK_FRESH.base(), "fast", false);
    }
}
