package io.pgrunbook.remote;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShellTest {
    @TempDir
    Path tmp;

    @Test
    void plainly_safe_words_stay_bare() {
        assertEquals("pg_ctl", Shell.quote("pg_ctl"));
        assertEquals("/var/lib/postgresql/15/main", Shell.quote("/var/lib/postgresql/15/main"));
        assertEquals("host=db1,port=5432", Shell.quote("host=db1,port=5432"));
    }

    @Test
    void empty_and_unsafe_words_are_single_quoted() {
        assertEquals("''", Shell.quote(""));
        assertEquals("'a b'", Shell.quote("a b"));
        assertEquals("'$(id)'", Shell.quote("$(id)"));
        assertEquals("'it'\"'\"'s'", Shell.quote("it's"));
        assertEquals("'*'", Shell.quote("*"));
    }

    @Test
    void join_quotes_every_word() {
        assertEquals("pg_ctl -D '/data dir' stop", Shell.join(List.of("pg_ctl", "-D", "/data dir", "stop")));
    }

    @Test
    void shell_line_becomes_another_user_through_non_interactive_sudo() {
        RemoteCommand c = RemoteCommand.of("psql", "-c", "select 1").as("postgres");
        assertEquals("sudo -n -u postgres -- psql -c 'select 1'", c.toShellLine(true));
        assertEquals("psql -c 'select 1'", c.toShellLine(false));
        assertEquals("psql -c 'select 1'", RemoteCommand.of("psql", "-c", "select 1").toShellLine(true));
    }

    /**
     * The real proof: a shell parses the joined line. The hostile value must arrive as one intact argument and no
     * second command may run.
     */
    @ParameterizedTest
    @ValueSource(strings = {
            "/data; touch PWNED",
            "$(touch PWNED)",
            "`touch PWNED`",
            "it's'; touch PWNED; echo '",
            "a\"b\"; touch PWNED",
            "x && touch PWNED || touch PWNED",
            "x | touch PWNED",
            "x\ntouch PWNED",
            "${IFS}touch${IFS}PWNED",
            "-n; touch PWNED",
            "\\'; touch PWNED #",
    })
    void hostile_value_cannot_start_a_second_command(String template) throws Exception {
        Path pwned = tmp.resolve("pwned");
        String value = template.replace("PWNED", pwned.toString());
        String line = Shell.join(List.of("printf", "%s", value));

        ExecResult r = new LocalTransport("local").exec(RemoteCommand.of("sh", "-c", line));

        assertTrue(r.ok(), () -> "exit " + r.exitCode() + ": " + r.stderr());
        assertEquals(value, r.stdout().stripTrailing(), "the argument arrived altered; line was: " + line);
        assertFalse(Files.exists(pwned), "a second command ran; line was: " + line);
    }

    @Test
    void hostile_value_inside_a_quoted_script_stays_data() throws Exception {
        Path pwned = tmp.resolve("pwned");
        String value = "'; touch " + pwned + "; echo '";
        RemoteCommand c = RemoteCommand.shell("v=" + Shell.quote(value) + "; printf '%s' \"$v\"");

        ExecResult r = new LocalTransport("local").exec(c);

        assertEquals(value, r.stdout().stripTrailing());
        assertFalse(Files.exists(pwned));
    }
}
