package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgrunbook.lab.LabLayout;
import io.pgrunbook.lab.LabOpenSsh;
import io.pgrunbook.lab.LabSshd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Hostile login environments over SSH: the login user's ~/.bashrc prints before Debian's "not interactive: return"
 * guard (sshd's bash reads it for every command), on stdout and stderr, with and without a final new line, and sets a
 * locale that is not installed. The login user's home is a directory of the lab (sshd's SetEnv HOME), so the
 * machine's postgres home and /etc are untouched; each environment is one rewrite of that .bashrc.
 */
class LoginEnvIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GUARD = "case $- in *i*) ;; *) return;; esac\n";
    private static LabFixture lab;
    private static Path bashrc;
    private static String inv;

    @BeforeAll
    static void up() throws Exception {
        lab = LabFixture.start("loginenv", LabNets.LOGIN_ENV.base(), true);
        Path home = lab.dir().resolve("login-home");
        Files.createDirectories(home);
        assertEquals(0, new ProcessBuilder("chown", "postgres", home.toString()).start().waitFor());
        bashrc = home.resolve(".bashrc");
        Path ssh = lab.dir().resolve("ssh");
        LabSshd.stop(ssh);
        LabSshd.start(ssh, lab.addresses(), LabLayout.SSH_PORT, "postgres", Map.of("HOME", home.toString()),
                List.of(), List.of());
        inv = lab.info().sshInventory().toString();
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    private static void login(String beforeGuard) throws Exception {
        Files.writeString(bashrc, beforeGuard + GUARD);
    }

    @Test
    void a_banner_and_stty_noise_at_login_are_not_read_as_data_and_doctor_names_them() throws Exception {
        login("echo \"Welcome to $(hostname): authorised use only\"\n"
                + "echo \"stty: 'standard input': Inappropriate ioctl for device\" >&2\n");
        JsonNode s = JSON.readTree(CliRunner.run("-i", inv, "status", "-o", "json").expect(0).out());
        assertEquals("HEALTHY", s.get("verdict").asText(), s::toPrettyString);
        CliRunner.Result d = CliRunner.run("-i", inv, "doctor");
        assertEquals(0, d.code(), d.both());
        for (String h : List.of("db1", "db2", "db3", "db4")) {
            assertEquals(1, d.rows(h, "login", "output", "PASS", "the", "login", "shell", "prints").size(), d.both());
            assertEquals(1, d.rows(h, "clock", "skew", "PASS").size(), d.both());
            assertEquals(1, d.rows(h, "server", "binaries", "PASS", "pg_ctl", "(PostgreSQL)").size(), d.both());
        }

        // the system ssh (transport: openssh) reads past it the same way
        CliRunner.Result o = CliRunner.run("-i", lab.dir().resolve(LabOpenSsh.FILE).toString(), "doctor");
        assertEquals(0, o.code(), o.both());
        assertEquals(1, o.rows("db1", "login", "output", "PASS").size(), o.both());
        assertEquals(1, o.rows("db1", "clock", "skew", "PASS").size(), o.both());

        // a stopped standby: what the host says about it is read over SSH, past the banner
        new LabOps(lab).stop("db3", "fast");
        try {
            s = JSON.readTree(CliRunner.run("-i", inv, "status", "-o", "json").expect(1).out());
            assertEquals("down", LabState.host(s, "db3").get("state").asText(), s::toPrettyString);
            assertEquals("db3 (BCP) is down: PostgreSQL is not running", s.get("notes").get(0).asText(), s::toPrettyString);
        } finally {
            new LabOps(lab).pgctl("db3", "-w", "-l", lab.dir().resolve("db3/postgresql.log").toString(), "start");
        }
    }

    @Test
    void a_switchover_and_back_runs_through_a_login_that_prints_without_new_line_and_sets_a_missing_locale()
            throws Exception {
        login("printf 'Last backup: ok'\nexport LC_ALL=xx_XX.UTF-8 LANG=xx_XX.UTF-8\n");
        CliRunner.run("-i", inv, "switchover", "--to", "db2", "--yes").expect(0);
        JsonNode s = JSON.readTree(CliRunner.run("-i", inv, "status", "-o", "json").expect(1).out());
        assertEquals("db2", s.get("primary").asText(), s::toPrettyString);
        CliRunner.Result back = CliRunner.run("-i", inv, "switchover", "--to", "db1", "--yes").expect(0);
        assertFalse(back.both().contains("Last backup"), back::toString);
        // the repoint rewrites pgbouncer.ini from what it read over SSH: the banner must not end up in the file
        for (String h : List.of("db1", "db2")) {
            String ini = Files.readString(lab.dir().resolve(h).resolve("pgbouncer.ini"));
            assertFalse(ini.contains("Last backup"), ini);
        }
        s = JSON.readTree(CliRunner.run("-i", inv, "status", "-o", "json").expect(0).out());
        assertEquals("HEALTHY", s.get("verdict").asText(), s::toPrettyString);
    }

    @Test
    void a_quiet_login_gets_no_login_output_row() throws Exception {
        login("");
        CliRunner.Result d = CliRunner.run("-i", inv, "doctor");
        assertEquals(0, d.code(), d.both());
        assertFalse(d.out().contains("login output"), d.both());
    }
}
