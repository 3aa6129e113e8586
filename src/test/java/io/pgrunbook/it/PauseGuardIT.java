package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgrunbook.runbook.Journal;
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
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PAUSE guard on a real lab's PgBouncers: it resumes a pause whose pgrunbook was killed, a RESUME cancels it,
 * status shows the pause, and the switchover's preflight refuses before pausing anything when a PgBouncer is down.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PauseGuardIT {
    private LabFixture lab;
    private Path work;

    @BeforeAll
    void up() throws IOException {
        lab = LabFixture.start("pauseguard", LabNets.PAUSE_GUARD.base());
        work = Files.createTempDirectory("pgrunbook-pauseguard-");
    }

    @AfterAll
    void down() throws IOException {
        if (work != null) {
            // a held step of a killed run waits for this file: let it end
            Files.writeString(work.resolve("gate"), "");
        }
        if (lab != null) {
            lab.stop();
        }
    }

    private Path stateFile(String host) {
        return lab.dir().resolve(host).resolve("pgrunbook-pause.6432");
    }

    private CliRunner.Result cli(String... args) {
        List<String> all = new ArrayList<>(List.of("-i", lab.inventory().toString(), "--no-color"));
        all.addAll(List.of(args));
        CliRunner.Result r = CliRunner.run(all.toArray(String[]::new));
        System.err.println("[pauseguard-it] pgrunbook " + String.join(" ", args) + " -> exit " + r.code() + "\n" + r.err() + r.out());
        return r;
    }

    private Map<String, String> kv(Path file) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return m;
    }

    private boolean paused(String host) throws Exception {
        // exit 1 while another PgBouncer is down: its row carries the error, this one is still read
        CliRunner.Result r = cli("pgbouncer", "show", "-o", "json");
        for (JsonNode row : new ObjectMapper().readTree(r.out())) {
            if (host.equals(row.path("pgbouncer").asText()) && "app".equals(row.path("database").asText())) {
                return row.path("paused").asBoolean();
            }
        }
        throw new AssertionError("no app on " + host + ": " + r.out());
    }

    /** Processes of the guard's process group (the guard and its sleep), read from /proc. */
    private static List<Long> processGroup(long pgid) throws IOException {
        List<Long> out = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (Long.parseLong(after[2]) == pgid) {
                        out.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException | RuntimeException gone) {
                    // the process ended while we looked
                }
            }
        }
        return out;
    }

    private String selectThroughPgBouncer(String host) throws Exception {
        try (Connection c = lab.connectPgBouncer(host, "app"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT 'answer from ' || host(inet_server_addr())")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    @Order(1)
    void the_guard_resumes_a_pause_whose_pgrunbook_was_killed_and_clients_get_answers_again() throws Exception {
        Path rb = Files.writeString(work.resolve("pause-and-hold.yaml"), """
                name: pause-and-hold
                steps:
                  - name: Pause PgBouncer on db1
                    action: pgbouncer.pause
                    on: db1
                    with: {guard: 4s}
                  - name: Hold until the gate opens
                    run: "while [ ! -e GATE ]; do sleep 0.2; done"
                    on: db2
                    timeout: 10m
                  - name: Resume
                    action: pgbouncer.resume
                    on: db1
                """.replace("GATE", work.resolve("gate").toString()));
        Path xdg = work.resolve("xdg");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", cp,
                "io.pgrunbook.cli.Main", "-i", lab.inventory().toString(), "--no-color", "run", rb.toString(), "--yes");
        pb.environment().put("XDG_STATE_HOME", xdg.toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(work.resolve("console").toFile());
        Process p = pb.start();
        try {
            LabOps.await("the pause and its guard on db1", Duration.ofSeconds(60), () -> {
                try {
                    return Files.exists(stateFile("db1")) && Files.readString(work.resolve("console")).contains("Hold until the gate opens");
                } catch (IOException e) {
                    return false;
                }
            });
            new ProcessBuilder("kill", "-9", String.valueOf(p.pid())).start().waitFor();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "pgrunbook killed");
        } finally {
            p.destroyForcibly();
        }
        Map<String, String> state = kv(stateFile("db1"));
        String runId = Journal.list(xdg.resolve("pgrunbook")).get(0).runId();
        assertEquals(runId, state.get("run"), state.toString());
        long pausedAt = Long.parseLong(state.get("paused_at"));
        assertEquals(pausedAt + 4, Long.parseLong(state.get("deadline")), state.toString());
        assertEquals("app", state.get("databases"));

        // a client that arrives while nobody is left to resume: it waits, and gets its answer once the guard resumes
        String answer = selectThroughPgBouncer("db1");
        long answeredAt = System.currentTimeMillis() / 1000;
        assertEquals("answer from " + lab.address("db1"), answer);
        assertTrue(answeredAt <= pausedAt + 4 + 2, "answered at " + answeredAt + ", paused at " + pausedAt + " with a 4 s guard");
        assertFalse(paused("db1"));

        Map<String, String> after = kv(stateFile("db1"));
        assertEquals("resumed", after.get("state"), after.toString());
        assertEquals("app", after.get("resumed"));
        String log = Files.readString(lab.dir().resolve("db1").resolve("pgrunbook-pause.6432.log"));
        assertTrue(log.contains("run " + runId + ": deadline passed, the pause guard resumed app"), log);
        CliRunner.Result status = cli("status");
        assertTrue(status.out().contains("db1: the pause guard of run " + runId + " resumed PgBouncer (app) at "), status.out());
    }

    @Test
    @Order(2)
    void status_shows_a_pause_with_its_run_and_deadline_and_pgbouncer_resume_cancels_the_guard() throws Exception {
        Path rb = Files.writeString(work.resolve("pause-only.yaml"), """
                name: pause-only
                steps:
                  - name: Pause every PgBouncer
                    action: pgbouncer.pause
                    on: pgbouncers
                """);
        CliRunner.Result run = cli("run", rb.toString(), "--yes").expect(0);
        // no later step resumes it: 30 s for the PAUSE + 30 s margin
        assertTrue((run.out() + run.err()).contains("it RESUMEs after 60s (no later step resumes it; 30s for the PAUSE, + 30s margin)"), run::toString);
        String runId = Journal.list(CliRunner.stateDir().resolve("pgrunbook")).stream()
                .filter(s -> s.runbook().equals("pause-only")).findFirst().orElseThrow().runId();

        CliRunner.Result json = cli("status", "-o", "json");
        assertEquals(1, json.code(), "a paused PgBouncer degrades the cluster: " + json);
        JsonNode s = new ObjectMapper().readTree(json.out());
        assertEquals("DEGRADED", s.get("verdict").asText());
        for (String h : List.of("db1", "db2")) {
            JsonNode pause = LabState.host(s, h).get("pgbouncer_pause");
            assertEquals("app", pause.get("databases").get(0).asText(), pause::toString);
            assertEquals(runId, pause.get("run").asText(), pause::toString);
            assertTrue(pause.get("guard_running").asBoolean(), pause::toString);
            assertTrue(pause.get("seconds").asLong() >= 0 && pause.get("seconds").asLong() < 60, pause::toString);
            assertNotNull(pause.get("since").textValue());
            assertNotNull(pause.get("guard_deadline").textValue());
            assertEquals("pgrunbook pgbouncer resume", pause.get("resume_command").asText());
        }
        CliRunner.Result table = cli("status");
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith("db2 ") && l.endsWith("db1 (paused)")), table::toString);
        assertTrue(table.out().contains("db1: PgBouncer paused app for "), table::toString);
        assertTrue(table.out().contains(", by run " + runId + "); its guard resumes it at "), table::toString);
        assertTrue(table.out().contains("clients are waiting: resume with `pgrunbook pgbouncer resume`"), table::toString);

        Map<Long, String> guards = new LinkedHashMap<>();
        for (String h : List.of("db1", "db2")) {
            long pid = Long.parseLong(kv(stateFile(h)).get("pid"));
            assertFalse(processGroup(pid).isEmpty(), "the guard of " + h + " runs");
            guards.put(pid, h);
        }
        cli("pgbouncer", "resume", "--yes").expect(0);
        for (Map.Entry<Long, String> g : guards.entrySet()) {
            assertFalse(Files.exists(stateFile(g.getValue())), "the state file of " + g.getValue() + " is gone");
            LabOps.await("the guard of " + g.getValue() + " and its sleep gone", Duration.ofSeconds(5), () -> {
                try {
                    return processGroup(g.getKey()).isEmpty();
                } catch (IOException e) {
                    return false;
                }
            });
            assertFalse(paused(g.getValue()));
        }
        CliRunner.Result healthy = cli("status");
        assertEquals(0, healthy.code(), healthy::toString);
    }

    @Test
    @Order(3)
    void a_switchover_resumes_through_point_and_leaves_no_guard_behind() throws Exception {
        CliRunner.Result plan = cli("switchover", "--to", "db2", "--dry-run").expect(0);
        assertTrue((plan.out() + plan.err()).contains("setsid sh pgrunbook-pause-guard & (RESUME app in 5m30s unless the run resumes first; state in "
                + stateFile("db1")), plan::toString);
        CliRunner.Result r = cli("switchover", "--to", "db2", "--yes").expect(0);
        assertTrue((r.out() + r.err()).contains("guard resumes in 5m30s unless the run does"), r::toString);
        for (String h : List.of("db1", "db2")) {
            assertFalse(Files.exists(stateFile(h)), "point cancelled the guard on " + h);
            assertFalse(paused(h));
        }
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            List<String> left = procs.filter(p -> p.getFileName().toString().matches("\\d+")).map(p -> {
                try {
                    return Files.readString(p.resolve("cmdline")).replace('\0', ' ');
                } catch (IOException gone) {
                    return "";
                }
            }).filter(c -> c.contains("pgrunbook-pause-guard") && c.contains(lab.dir().toString())).toList();
            assertEquals(List.of(), left, "no guard left running");
        }
    }

    @Test
    @Order(4)
    void switchover_preflight_refuses_when_a_pgbouncer_is_down_before_pausing_the_others() throws Exception {
        // after order 3 db2 is the primary: the switchover back to db1 needs both PgBouncers
        Path pidFile = lab.dir().resolve("db2").resolve("pgbouncer.pid");
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        LabOps.await("PgBouncer on db2 gone", Duration.ofSeconds(15), () -> !Files.exists(pidFile));

        CliRunner.Result r = cli("switchover", "--to", "db1", "--yes").expect(3);
        assertTrue(r.err().contains("db2: the PgBouncer console does not answer"), r::toString);
        assertTrue(r.err().contains("start PgBouncer on db2"), r::toString);
        assertFalse(paused("db1"), "the other PgBouncer was not paused");
        assertFalse(Files.exists(stateFile("db1")), "no guard was armed");
        assertEquals("answer from " + lab.address("db2"), selectThroughPgBouncer("db1"));
    }
}
