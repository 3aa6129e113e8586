package io.pgrunbook.remote;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoginNoiseTest {

    private static List<String> feed(LoginNoise.Splitter s, String... lines) {
        List<String> kept = new ArrayList<>();
        for (String l : lines) {
            kept.addAll(s.accept(l));
        }
        kept.addAll(s.finish());
        return kept;
    }

    @Test
    void lines_before_the_mark_are_noise_and_the_rest_is_output_even_a_later_mark() {
        LoginNoise.Splitter s = new LoginNoise.Splitter();
        assertEquals(List.of("0/3000060", LoginNoise.MARK), feed(s, "Welcome", "", LoginNoise.MARK, "0/3000060", LoginNoise.MARK));
        assertEquals("Welcome\n\n", s.noise());
    }

    @Test
    void a_banner_without_new_line_shares_the_marks_line_and_is_noise() {
        LoginNoise.Splitter s = new LoginNoise.Splitter();
        assertEquals(List.of("1"), feed(s, "Last backup: ok" + LoginNoise.MARK, "1"));
        assertEquals("Last backup: ok\n", s.noise());
    }

    @Test
    void a_stream_without_the_mark_is_all_output_so_a_login_failure_is_shown() {
        LoginNoise.Splitter s = new LoginNoise.Splitter();
        assertEquals(List.of("This account is currently not available."), feed(s, "This account is currently not available."));
        assertEquals("", s.noise());
    }

    @Test
    void the_wrapped_line_runs_the_quoted_argv_after_the_marks() {
        String line = Shell.join(LoginNoise.wrap(List.of("psql", "-At", "-c", "select 1")));
        assertTrue(line.startsWith("sh -c 'echo " + LoginNoise.MARK + "; echo " + LoginNoise.MARK + " >&2; exec \"$@\"' pgrunbook psql -At -c 'select 1'"), line);
    }

    @Test
    void sudo_requiretty_fails_at_once_naming_the_sudoers_line() {
        ExecResult r = new ExecResult(1, "", "sudo: sorry, you must have a tty to run sudo\n", Duration.ZERO);
        TransportException e = assertThrows(SudoTty.Refused.class, () -> SudoTty.check("db1", "dba", "postgres", r));
        assertEquals("db1: sudo refuses to run commands as postgres without a terminal (Defaults requiretty): add"
                + " 'Defaults:dba !requiretty' in /etc/sudoers.d on this host", e.getMessage());
        SudoTty.check("db1", "dba", "postgres", new ExecResult(1, "", "sudo: a password is required\n", Duration.ZERO));
    }
}
