package io.pgrunbook.it;

import io.pgrunbook.cli.CliContext;
import io.pgrunbook.cli.RunCommand;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.remote.TransportFactory;
import io.pgrunbook.runbook.ScriptedConfirmer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runbook engine on a real lab: dry-run, scripted answers, --yes, and what they change (or do not). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RunbookIT {
    private static final String BASE = LabNets.RUNBOOK.base();
    private static final Path TEST_RUNBOOKS = Path.of("src/test/resources/runbooks").toAbsolutePath();
    private LabFixture lab;
    private Path state;

    @BeforeAll
    void up() throws IOException {
        lab = LabFixture.start("runbookit", BASE);
        state = Files.createTempDirectory("pgrunbook-runbookit-state-");
    }

    @AfterAll
    void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    private CliRunner.Result cli(ScriptedConfirmer confirmer, String... args) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("XDG_STATE_HOME", state.toString());
        CliContext ctx = new CliContext(env, Path.of("").toAbsolutePath(), TransportFactory::open, false);
        List<String> all = new ArrayList<>(List.of("-i", lab.inventory().toString()));
        all.addAll(List.of(args));
        return CliRunner.run(ctx, confirmer == null ? null
                : cl -> ((RunCommand) cl.getSubcommands().get("run").getCommand()).confirmer(confirmer), all.toArray(String[]::new));
    }

    private List<String> column(String host, String db, String sql) throws SQLException {
        try (Connection c = lab.connect(host, db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }

    private String postmasterPid(String host) throws SQLException {
        return column(host, "postgres", "select pg_backend_pid()::text || ':' || (select setting from pg_settings where name = 'data_directory')").get(0).split(":")[1]
                .transform(dataDir -> {
                    try {
                        return Files.readAllLines(Path.of(dataDir, "postmaster.pid")).get(0);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
    }

    /** What a dry-run must not change: data dir entries, config mtimes and sizes, roles, WAL position, postmasters. */
    private Map<String, String> snapshot() throws Exception {
        Map<String, String> m = new TreeMap<>();
        for (String h : List.of("db1", "db2", "db3", "db4")) {
            String dataDir = column(h, "postgres", "select setting from pg_settings where name = 'data_directory'").get(0);
            try (Stream<Path> files = Files.list(Path.of(dataDir))) {
                m.put(h + " entries", files.map(p -> p.getFileName().toString())
                        .filter(n -> !n.equals("pg_stat_tmp")).sorted().toList().toString());
            }
            for (String f : List.of("postgresql.conf", "postgresql.auto.conf", "pg_hba.conf")) {
                Path p = Path.of(dataDir, f);
                if (Files.exists(p)) {
                    m.put(h + " " + f, Files.getLastModifiedTime(p) + " " + Files.size(p));
                }
            }
            m.put(h + " postmaster", postmasterPid(h));
        }
        m.put("roles", column("db1", "postgres", "select string_agg(rolname, ',' order by rolname) from pg_roles").toString());
        m.put("lsn", column("db1", "postgres", "select pg_current_wal_insert_lsn()::text").toString());
        return m;
    }

    @Test
    @Order(1)
    void dry_run_changes_nothing_on_the_lab() throws Exception {
        Path flag = state.resolve("dry-run-flag");
        Map<String, String> before = snapshot();
        CliRunner.Result shipped = cli(null, "run", "restart-standby", "--dry-run", "-p", "standby=db2");
        assertEquals(0, shipped.code(), shipped.err());
        assertTrue(shipped.out().contains("pg_ctl -D "), shipped.out());
        assertTrue(shipped.out().contains(" restart -m fast"), shipped.out());
        CliRunner.Result user = cli(null, "run", TEST_RUNBOOKS.resolve("lab-dry.yaml").toString(), "--dry-run", "-p", "flag=" + flag, "-o", "json");
        assertEquals(0, user.code(), user.err());
        assertTrue(user.out().contains("\"destructive\" : true"), user.out());
        assertTrue(user.out().contains("create role pgrunbook_dry_run_role"), user.out());
        CliRunner.Result plan = cli(null, "plan", TEST_RUNBOOKS.resolve("lab-dry.yaml").toString(), "-p", "flag=" + flag);
        assertEquals(0, plan.code(), plan.err());
        Thread.sleep(1500); // let anything a dry-run might have started show up
        assertEquals(before, snapshot());
        assertFalse(Files.exists(flag));
    }

    @Test
    @Order(2)
    void a_user_runbook_runs_end_to_end_with_yes_and_confirm_host() throws Exception {
        String pidBefore = postmasterPid("db2");
        CliRunner.Result o = cli(null, "run", TEST_RUNBOOKS.resolve("lab-maintenance.yaml").toString(), "--yes", "--confirm-host", "db2",
                "-p", "standby=db2", "-p", "marker=it-yes");
        assertEquals(0, o.code(), o.err());
        assertNotEquals(pidBefore, postmasterPid("db2"), "db2 was restarted");
        assertEquals(List.of("1"), column("db2", "app", "select count(*) from pgrunbook_marker where m = 'it-yes'"));
        assertTrue(o.err().contains("[db2] "), "output streams with the host as prefix: " + o.err());
    }

    @Test
    @Order(3)
    void destructive_step_without_confirm_host_is_refused_before_anything_runs() throws Exception {
        CliRunner.Result o = cli(null, "run", TEST_RUNBOOKS.resolve("lab-maintenance.yaml").toString(), "--yes",
                "-p", "standby=db2", "-p", "marker=never");
        assertEquals(64, o.code(), o.err());
        assertTrue(o.err().contains("add --confirm-host db2"), o.err());
        assertEquals(List.of("0"), column("db1", "app", "select count(*) from pgrunbook_marker where m = 'never'"));
    }

    @Test
    @Order(4)
    void shipped_runbook_runs_on_the_lab_driven_by_a_scripted_confirmer() throws Exception {
        String pidBefore = postmasterPid("db3");
        ScriptedConfirmer answers = new ScriptedConfirmer("d", "y", "y", "y", "y");
        CliRunner.Result o = cli(answers, "run", "restart-standby", "-p", "standby=db3");
        assertEquals(0, o.code(), o.err());
        assertEquals(0, answers.remaining());
        assertNotEquals(pidBefore, postmasterPid("db3"));
        assertTrue(o.err().contains("live: primary db1"), o.err());
        CliRunner.Result reload = cli(new ScriptedConfirmer("s", "y"), "run", "reload-config");
        assertEquals(0, reload.code(), reload.err());
        CliRunner.Result history = cli(null, "history");
        assertTrue(history.out().contains("restart-standby") && history.out().contains("reload-config"), history.out());
    }

    @Test
    @Order(5)
    void a_failed_run_resumes_at_the_failed_step_on_the_lab() throws Exception {
        Path out = state.resolve("resume-out");
        Path flag = Files.createFile(state.resolve("resume-flag"));
        CliRunner.Result failed = cli(null, "run", TEST_RUNBOOKS.resolve("three-steps.yaml").toString(), "--yes",
                "-p", "out=" + out, "-p", "fail=" + flag);
        assertEquals(1, failed.code(), failed.err());
        String runId = failed.err().replaceAll("(?s).*pgrunbook(?: -i \\S+)? resume ([A-Za-z0-9_.-]+).*", "$1");
        Files.delete(flag);
        CliRunner.Result resumed = cli(null, "resume", runId, "--yes");
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals("one\ntwo\nthree\n", Files.readString(out));
        CliRunner.Result show = cli(null, "history", "show", runId);
        assertEquals(0, show.code(), show.err());
        assertTrue(show.out().contains("end    failed (exit 1)"), show.out());
    }

    /**
     * The operator's prompt on a real terminal (JLine on a pty, not a scripted confirmer): details then yes, skip, yes;
     * then a second run stopped with Ctrl-C at its first question, which runs nothing and is journaled as aborted.
     */
    @Test
    @Order(6)
    void on_a_real_terminal_each_step_is_asked_and_ctrl_c_stops_the_run() throws Exception {
        Path jar = Path.of("target/pgrunbook.jar").toAbsolutePath();
        assertTrue(Files.exists(jar), "the packaged jar (mvn verify packages it before the integration tests)");
        Path out = state.resolve("pty-out");
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("XDG_STATE_HOME", state.toString());
        List<String> argv = List.of(java(), "-jar", jar.toString(), "-i", lab.inventory().toString(), "run",
                TEST_RUNBOOKS.resolve("three-steps.yaml").toString(), "-p", "out=" + out);
        String prompt = "[a]ll remaining: ";
        Duration t = Duration.ofSeconds(30);
        try (Pty pty = Pty.start(env, argv)) {
            pty.await("Run step 1?", 1, t).await(prompt, 1, t).type("d\r");
            pty.await(prompt, 2, t).type("y\r");
            pty.await("Run step 2?", 1, t).await(prompt, 3, t).type("s\r");
            pty.await("Run step 3?", 1, t).await(prompt, 4, t).type("y\r");
            assertEquals(0, pty.exitCode(t), pty.screen());
            assertTrue(pty.screen().contains("kind run"), "details were shown: " + pty.screen());
            assertTrue(pty.screen().contains("skipped by the operator"), pty.screen());
        }
        assertEquals("one\nthree\n", Files.readString(out));

        try (Pty pty = Pty.start(env, argv)) {
            pty.await(prompt, 1, t).type("\u0003");
            assertEquals(130, pty.exitCode(t), pty.screen());
        }
        assertEquals("one\nthree\n", Files.readString(out), "nothing ran after Ctrl-C");
        CliRunner.Result history = cli(null, "history");
        assertTrue(history.out().lines().anyMatch(l -> l.contains("three-steps") && l.contains("aborted")), history.out());
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
