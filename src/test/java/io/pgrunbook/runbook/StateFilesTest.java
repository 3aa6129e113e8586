package io.pgrunbook.runbook;

import io.pgrunbook.core.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Journals and run logs hold commands, hosts and output: only their owner may read them. */
class StateFilesTest {
    @TempDir
    Path dir;

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void journal_and_run_log_are_0600_in_0700_directories_even_when_the_state_dir_was_made_wider() throws Exception {
        Fixtures.Rig rig = new Fixtures.Rig(dir);
        // an older pgrunbook (or a mkdir -p) left the state directory readable by all
        Files.createDirectories(rig.state().resolve("runs"));
        Files.setPosixFilePermissions(rig.state(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(rig.state().resolve("runs"), PosixFilePermissions.fromString("rwxr-xr-x"));
        RunResult r = rig.run("three-steps.yaml", Map.of("out", dir.resolve("out.txt").toString()), Confirmer.NONE, Fixtures.yes());
        assertEquals(Outcome.OK, r.outcome(), rig.err());
        assertEquals("rwx------", mode(rig.state()));
        assertEquals("rwx------", mode(rig.state().resolve("runs")));
        assertEquals("rw-------", mode(Path.of(r.journal())));
        assertEquals("rw-------", mode(rig.state().resolve("runs").resolve(r.runId() + ".log")));
    }
}
