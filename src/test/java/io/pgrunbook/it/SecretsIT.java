package io.pgrunbook.it;


import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.InventoryLoader;
import io.pgrunbook.pg.Conninfo;
import io.pgrunbook.pg.PgSessions;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.remote.LocalTransport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Secrets planted where an operator keeps them (PGPASSWORD, a .pgpass password, an SSH key passphrase in
 * PGRUNBOOK_SSH_PASSPHRASE) never appear in anything a real procedure on the lab writes or prints: pgrunbook runs as
 * its own process with that environment, as an operator would start it. Then connection values that try to smuggle
 * a keyword reach the real libpq and PgJDBC as one value.
 */
class SecretsIT {
    private static final String PGPASSWORD = "Env-Pw-91c2e7";
    private static final String PGPASS_FILE_PASSWORD = "PgPass-Pw-7f3a0d";
    private static final String PASSPHRASE = "Key-Phrase-5d8e4b";
    private static LabFixture lab;

    @BeforeAll
    static void up() {
        lab = LabFixture.start("secrets", LabNets.SECRETS.base());
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    record Proc(String args, int code, String out, String err) {
        @Override
        public String toString() {
            return args + ": exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** pgrunbook as its own JVM, with the operator's environment and the planted secrets. */
    private static Proc pgrunbook(Path home, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "io.pgrunbook.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile());
        Map<String, String> env = pb.environment();
        env.put("HOME", home.toString());
        env.put("XDG_STATE_HOME", home.resolve("state").toString());
        env.put("PGPASSWORD", PGPASSWORD);
        env.put("PGPASSFILE", home.resolve(".pgpass").toString());
        env.put("PGRUNBOOK_SSH_PASSPHRASE", PASSPHRASE);
        Path out = Files.createTempFile(home, "out", ".txt");
        Path err = Files.createTempFile(home, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", args) + ": no end within 300 s");
        }
        Proc r = new Proc(String.join(" ", args), p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    @Test
    void no_planted_secret_appears_in_any_file_written_or_any_output_of_a_real_procedure(@TempDir Path home) throws Exception {
        Files.writeString(home.resolve(".pgpass"), "*:*:*:*:" + PGPASS_FILE_PASSWORD + "\n");
        Files.setPosixFilePermissions(home.resolve(".pgpass"), PosixFilePermissions.fromString("rw-------"));
        // a step that shows what it was given, as postgres and as the operator, and then fails
        Path runbook = home.resolve("envdump.yaml");
        Files.writeString(runbook, """
                name: envdump
                description: What a step sees of the operator's environment.
                steps:
                  - name: Environment as postgres
                    run: env; echo "pw=$PGPASSWORD phrase=$PGRUNBOOK_SSH_PASSPHRASE"
                    on: primary
                    as: postgres
                  - name: Environment as the operator, then fail
                    run: env; echo "pw=$PGPASSWORD phrase=$PGRUNBOOK_SSH_PASSPHRASE"; exit 7
                    on: primary
                """);
        String inv = lab.inventory().toString();
        List<Proc> runs = new ArrayList<>();
        runs.add(pgrunbook(home, "-i", inv, "switchover", "--to", "db2", "--yes"));
        assertEquals(0, runs.get(0).code(), runs.get(0)::toString);
        runs.add(pgrunbook(home, "-i", inv, "switchover", "--to", "db1", "--yes"));
        assertEquals(0, runs.get(1).code(), runs.get(1)::toString);
        runs.add(pgrunbook(home, "-v", "-i", inv, "run", runbook.toString(), "--yes"));
        Proc failed = runs.get(2);
        assertEquals(1, failed.code(), failed::toString);
        // the steps ran and printed the environment: what is asserted below was really there to leak
        assertTrue(failed.err().contains("USER=postgres"), failed::toString);
        assertTrue(failed.err().contains("] pw="), failed::toString);
        runs.add(pgrunbook(home, "-i", inv, "history"));
        for (String id : runIds(home)) {
            runs.add(pgrunbook(home, "-i", inv, "history", "show", id));
        }
        runs.add(pgrunbook(home, "-i", inv, "status"));

        Map<String, List<String>> hits = new HashMap<>();
        List<Path> files;
        try (Stream<Path> all = Files.walk(home)) {
            files = all.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().equals(".pgpass")).toList();
        }
        for (Path f : files) {
            scan(f.toString(), Files.readString(f, StandardCharsets.ISO_8859_1), hits);
        }
        for (Proc r : runs) {
            scan("stdout of " + r.args(), r.out(), hits);
            scan("stderr of " + r.args(), r.err(), hits);
        }
        System.err.printf("[secrets] 3 secrets planted, %d files and %d outputs of %d commands searched, %d hits%n",
                files.size(), runs.size() * 2, runs.size(), hits.size());
        assertEquals(3, files.stream().filter(f -> f.toString().endsWith(".jsonl")).count(), files::toString);
        assertEquals(3, files.stream().filter(f -> f.toString().endsWith(".log")).count(), files::toString);
        assertEquals(Map.of(), hits);
        for (Path f : files) {
            if (f.startsWith(home.resolve("state"))) {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f::toString);
            }
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("state/pgrunbook/runs"))));
    }

    private static List<String> runIds(Path home) throws Exception {
        try (Stream<Path> s = Files.list(home.resolve("state/pgrunbook/runs"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jsonl"))
                    .map(n -> n.substring(0, n.length() - ".jsonl".length())).sorted().toList();
        }
    }

    private static void scan(String where, String text, Map<String, List<String>> hits) {
        for (String secret : List.of(PGPASSWORD, PGPASS_FILE_PASSWORD, PASSPHRASE)) {
            if (text.contains(secret)) {
                hits.computeIfAbsent(where, k -> new ArrayList<>()).add(secret);
            }
        }
    }

    @Test
    void a_database_or_user_name_that_looks_like_settings_stays_one_value_for_libpq_and_pgjdbc() throws Exception {
        try (Connection c = lab.connect("db1", "postgres"); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE \"odd host=evil port=1\" LOGIN SUPERUSER");
            st.execute("CREATE DATABASE \"app?user=odd host=evil port=1\"");
        }
        Host db1 = new InventoryLoader(System.getenv()).load(lab.inventory()).cluster(null).host("db1").orElseThrow();
        String db = "app?user=odd host=evil port=1";
        try (Connections connections = new Connections(h -> new LocalTransport(h.name()));
             Connection c = PgSessions.open(db1, connections, db);
             ResultSet rs = c.createStatement().executeQuery("SELECT current_user, current_database()")) {
            rs.next();
            assertEquals(db1.postgres().user(), rs.getString(1));
            assertEquals(db, rs.getString(2));
        }
        String conninfo = Conninfo.of("host", db1.address(), "port", String.valueOf(db1.postgres().port()),
                "user", "odd host=evil port=1", "dbname", db, "application_name", "it's \\ odd");
        Process p = new ProcessBuilder(db1.postgres().bin("psql"), "-X", "-At", "-d", conninfo, "-c",
                "SELECT current_user || '|' || current_database() || '|' || host(inet_server_addr()) || '|'"
                        + " || inet_server_port() || '|' || current_setting('application_name')")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), out);
        assertEquals("odd host=evil port=1|" + db + "|" + db1.address() + "|" + db1.postgres().port() + "|it's \\ odd", out);
    }
}
