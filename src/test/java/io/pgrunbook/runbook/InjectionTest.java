package io.pgrunbook.runbook;

import io.pgrunbook.cli.CliContext;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.it.CliRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Escape sequences from a parameter and from remote output never reach the terminal, the run log or the journal raw. */
class InjectionTest {
    /** What a terminal acts on: C0 controls but new line and tab, DEL, C1 controls, bidi overrides and isolates. */
    private static final Pattern RAW = Pattern.compile("[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069\\u2028\\u2029]");

    @TempDir
    Path dir;

    private static void assertNeutral(String what, String text) {
        var m = RAW.matcher(text);
        assertFalse(m.find(), () -> what + " has U+" + String.format("%04X", (int) text.charAt(m.start())) + ":\n" + text);
    }

    @Test
    void escape_sequences_in_parameters_and_remote_output_are_neutralised_everywhere_they_are_shown() throws Exception {
        Fixtures.Rig rig = new Fixtures.Rig(dir);
        String label = "\u001b[31mred\u202e\u0007";
        RunResult r = rig.run("escapes.yaml", Map.of("label", label), Confirmer.NONE, Fixtures.yes());
        assertEquals(Outcome.FAILED, r.outcome(), rig.err());

        assertNeutral("stderr", rig.err());
        assertTrue(rig.err().contains("\\x1b[2J\\x1b]0;owned\\x07\\x9b\\x1b[31mred\\u202e\\x07\\u202ex\\x0dfake ok"), rig.err());

        String log = Files.readString(rig.state().resolve("runs").resolve(r.runId() + ".log"));
        assertNeutral("run log", log);
        assertTrue(log.contains("\\x1b[2J"), log);
        for (String line : log.split("\n")) {
            assertTrue(line.startsWith("    ") || line.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3} [A-Z]+ .*"),
                    "a log line that is not an entry of ours nor indented under one: " + line);
        }

        byte[] journal = Files.readAllBytes(Path.of(r.journal()));
        String jtext = new String(journal, StandardCharsets.UTF_8);
        assertNeutral("journal", jtext);
        for (byte b : journal) {
            assertTrue(b >= 0, "the journal is ASCII: non-ASCII is escaped by JSON");
        }
        // the journal keeps what was said: JSON escapes, read back as it came
        assertTrue(Journal.read(rig.state(), r.runId()).toString().contains("owned"));

        // history show prints the journal for people: neutralised there too
        Path xdg = dir.resolve("xdg");
        Files.createDirectories(xdg.resolve("pgrunbook"));
        Files.move(rig.state().resolve("runs"), xdg.resolve("pgrunbook").resolve("runs"));
        CliRunner.Result shown = CliRunner.run(new CliContext(Map.of("HOME", dir.toString(), "XDG_STATE_HOME", xdg.toString()),
                dir, h -> {
                    throw new AssertionError();
                }, false), null, "history", "show", r.runId());
        assertEquals(0, shown.code(), shown.toString());
        assertNeutral("history show", shown.out());
        assertTrue(shown.out().contains("\\x1b[2J"), shown.out());
    }

    @Test
    void a_parameter_with_escape_sequences_is_neutralised_in_a_usage_error() {
        CliRunner.Result r = CliRunner.run(new CliContext(Map.of("HOME", dir.toString()), dir, h -> {
            throw new AssertionError();
        }, false), null, "status", "--watch", "\u001b]0;owned\u0007");
        assertEquals(64, r.code(), r.toString());
        assertNeutral("stderr", r.err());
        assertTrue(r.err().contains("\\x1b]0;owned\\x07"), r.err());
    }
}
