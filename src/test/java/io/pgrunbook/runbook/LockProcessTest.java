package io.pgrunbook.runbook;

import io.pgrunbook.cli.ExitCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two operators at once, as two real pgrunbook JVMs on one machine and state directory: while alice's run is in a
 * step, bob's run of another runbook on the same cluster is refused before it runs anything, naming alice's run.
 */
class LockProcessTest {
    @TempDir
    Path dir;

    // nothing listens on these (this session's own loopback range): every probe is refused at once
    private static final String ADDRESSES = "127.0.152.";

    private Process start(String user, Path console, String... args) throws Exception {
        Path inv = dir.resolve("inventory.yaml");
        if (!Files.exists(inv)) {
            Files.writeString(inv, Fixtures.inventoryYaml(dir.resolve("hooks.log")).replace("127.0.0.", ADDRESSES + "1"));
        }
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", cp,
                "io.pgrunbook.cli.Main", "-i", inv.toString(), "--no-color"));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().put("XDG_STATE_HOME", dir.resolve("xdg").toString());
        pb.environment().put("USER", user);
        pb.redirectErrorStream(true);
        pb.redirectOutput(console.toFile());
        return pb.start();
    }

    @Test
    void a_second_process_is_refused_naming_the_holder_user_host_pid_and_since() throws Exception {
        Path aliceOut = dir.resolve("alice-out");
        Path aliceConsole = dir.resolve("alice-console");
        Process alice = start("alice", aliceConsole, "run", Fixtures.RUNBOOKS.resolve("slow.yaml").toString(), "--yes",
                "-p", "out=" + aliceOut, "-p", "gate=" + dir.resolve("gate"));
        try {
            long deadline = System.currentTimeMillis() + 60_000;
            while (!read(aliceConsole).contains("[db2] waiting")) {
                assertTrue(alice.isAlive(), () -> "alice's run ended early: " + read(aliceConsole));
                assertTrue(System.currentTimeMillis() < deadline, () -> "alice's step 2 never started: " + read(aliceConsole));
                Thread.sleep(50);
            }

            Path bobOut = dir.resolve("bob-out");
            Path bobConsole = dir.resolve("bob-console");
            Process bob = start("bob", bobConsole, "run", Fixtures.RUNBOOKS.resolve("three-steps.yaml").toString(), "--yes",
                    "-p", "out=" + bobOut);
            assertTrue(bob.waitFor(60, TimeUnit.SECONDS), "bob's run ends");
            String said = read(bobConsole);
            assertEquals(ExitCodes.REFUSED, bob.exitValue(), said);
            assertTrue(Pattern.compile("cluster lab-[0-9a-f]+ is locked by a run under way: alice@" + Pattern.quote(RunbookEngine.machine())
                    + ", pid " + alice.pid() + ", since 20\\d\\d-\\d\\d-\\d\\dT[0-9:.]+Z, runbook slow, run \\S+").matcher(said).find(), said);
            assertFalse(said.contains("Step 1"), "bob ran nothing: " + said);
            assertFalse(Files.exists(bobOut), "bob ran nothing");
            assertTrue(alice.isAlive(), "alice's run goes on");
        } finally {
            // SIGINT: alice's run stops where it is and releases the lock
            new ProcessBuilder("kill", "-INT", String.valueOf(alice.pid())).start().waitFor();
            assertTrue(alice.waitFor(30, TimeUnit.SECONDS), "alice's run stops on SIGINT");
        }
        Process again = start("bob", dir.resolve("bob-again"), "run", Fixtures.RUNBOOKS.resolve("three-steps.yaml").toString(), "--yes",
                "-p", "out=" + dir.resolve("bob-out"));
        assertTrue(again.waitFor(60, TimeUnit.SECONDS));
        assertEquals(ExitCodes.OK, again.exitValue(), read(dir.resolve("bob-again")));
        assertEquals("one\ntwo\nthree\n", Files.readString(dir.resolve("bob-out")), "once alice is gone, bob runs");
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
